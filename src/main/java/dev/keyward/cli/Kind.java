package dev.keyward.cli;

import dev.keyward.apikey.ApiKey;
import dev.keyward.toolgrant.ToolGrant;
import dev.keyward.toolsecret.ToolSecret;
import io.fabric8.kubernetes.api.model.HasMetadata;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** The kinds the helper commands work on, named the ways kubectl accepts them. */
public enum Kind {
  APIKEY("ApiKey", ApiKey.class, List.of("apikey", "apikeys", "ak")),
  TOOLSECRET("ToolSecret", ToolSecret.class, List.of("toolsecret", "toolsecrets", "ts")),
  TOOLGRANT("ToolGrant", ToolGrant.class, List.of("toolgrant", "toolgrants", "tg"));

  final String kind;
  final Class<? extends HasMetadata> type;
  final List<String> names;

  Kind(String kind, Class<? extends HasMetadata> type, List<String> names) {
    this.kind = kind;
    this.type = type;
    this.names = names;
  }

  /** Accepts apikey, apikeys, ak, ApiKey (and the same for toolsecret), as kubectl does. */
  public static final class Converter implements ITypeConverter<Kind> {
    @Override
    public Kind convert(String value) {
      String v = value.toLowerCase(Locale.ROOT);
      for (Kind k : values()) {
        if (k.names.contains(v)) {
          return k;
        }
      }
      throw new TypeConversionException(
          "'"
              + value
              + "' is not a Keyward kind: use apikey (ak), toolsecret (ts) or toolgrant (tg)");
    }
  }

  /** For --help and shell completion. */
  public static final class Choices implements Iterable<String> {
    @Override
    public Iterator<String> iterator() {
      return List.of("apikey", "toolsecret", "toolgrant").iterator();
    }
  }
}
