package dev.keyward.sealing;

import com.google.crypto.tink.Configuration;
import com.google.crypto.tink.RegistryConfiguration;
import com.google.crypto.tink.hybrid.HybridConfig;
import java.security.GeneralSecurityException;

/** Registers Tink's hybrid encryption once, before any keyset is used. */
final class Tink {

  static {
    try {
      HybridConfig.register();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("Tink hybrid encryption could not be registered", e);
    }
  }

  private Tink() {}

  /** Loads this class, which registers Tink's hybrid encryption. */
  static void init() {}

  static Configuration configuration() throws GeneralSecurityException {
    return RegistryConfiguration.get();
  }
}
