package dev.keyward.apikey;

import java.util.List;

/**
 * Receives what the ApiKey controller sees and does, for metrics and follow-up work such as
 * restarting workloads after a rotation. Implementations must not block and must never see a key.
 */
public interface ApiKeyObserver {

  ApiKeyObserver NONE = new ApiKeyObserver() {};

  /** Called after each reconcile with the status the ApiKey now has (or is about to have). */
  default void observed(ApiKey key, ApiKeyStatus status) {}

  /** Called once per change the controller made to the key material. */
  default void changed(ApiKey key, RotationPlan.Change change) {}

  /**
   * Called when status fields the operator owns had been changed by someone else and are being put
   * back; {@code fields} are paths in status.
   */
  default void tampered(ApiKey key, List<String> fields) {}

  /** Tells both observers, {@code first} first. */
  static ApiKeyObserver both(ApiKeyObserver first, ApiKeyObserver second) {
    return new ApiKeyObserver() {
      @Override
      public void observed(ApiKey key, ApiKeyStatus status) {
        first.observed(key, status);
        second.observed(key, status);
      }

      @Override
      public void changed(ApiKey key, RotationPlan.Change change) {
        first.changed(key, change);
        second.changed(key, change);
      }

      @Override
      public void tampered(ApiKey key, List<String> fields) {
        first.tampered(key, fields);
        second.tampered(key, fields);
      }
    };
  }
}
