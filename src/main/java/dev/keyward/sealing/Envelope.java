package dev.keyward.sealing;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * The sealed form of a value: base64 of {@code 0x01 | 2-byte length L | L bytes "namespace/name" |
 * Tink hybrid ciphertext}. The Tink ciphertext is bound to {@code ToolSecret/<namespace>/<name>}
 * through HPKE's context info, which is what makes a copy under another name fail. The clear
 * binding only lets the error say "sealed for another object" instead of "tampered".
 */
final class Envelope {

  static final byte VERSION = 1;

  /** Tink prefix (5) + X25519 encapsulated key (32) + AES-GCM tag (16). */
  static final int MIN_TINK_CIPHERTEXT = 5 + 32 + 16;

  final String binding;
  final byte[] ciphertext;

  private Envelope(String binding, byte[] ciphertext) {
    this.binding = binding;
    this.ciphertext = ciphertext;
  }

  static String binding(String namespace, String name) {
    return namespace + "/" + name;
  }

  static byte[] contextInfo(String namespace, String name) {
    return ("ToolSecret/" + namespace + "/" + name).getBytes(StandardCharsets.UTF_8);
  }

  static String encode(String namespace, String name, byte[] ciphertext) {
    byte[] binding = binding(namespace, name).getBytes(StandardCharsets.UTF_8);
    ByteBuffer out = ByteBuffer.allocate(3 + binding.length + ciphertext.length);
    out.put(VERSION).putShort((short) binding.length).put(binding).put(ciphertext);
    return Base64.getEncoder().encodeToString(out.array());
  }

  static Envelope decode(String sealed) throws UnsealException {
    byte[] bytes;
    try {
      bytes = Base64.getDecoder().decode(sealed == null ? "" : sealed.strip());
    } catch (IllegalArgumentException e) {
      throw new UnsealException(
          UnsealFailure.NOT_BASE64,
          "spec.encryptedValue is not base64: paste the whole output of `keyward seal` unchanged");
    }
    if (bytes.length == 0) {
      throw new UnsealException(
          UnsealFailure.NOT_BASE64,
          "spec.encryptedValue is empty: paste the output of `keyward seal`");
    }
    if (bytes.length < 3) {
      throw truncated();
    }
    if (bytes[0] != VERSION) {
      throw new UnsealException(
          UnsealFailure.UNSUPPORTED_FORMAT,
          String.format(
              "spec.encryptedValue has format version %d; this Keyward opens version %d. Seal the"
                  + " value again with this Keyward's `keyward seal`",
              Byte.toUnsignedInt(bytes[0]), VERSION));
    }
    int length = Short.toUnsignedInt(ByteBuffer.wrap(bytes, 1, 2).getShort());
    if (bytes.length < 3 + length + MIN_TINK_CIPHERTEXT) {
      throw truncated();
    }
    String binding = new String(bytes, 3, length, StandardCharsets.UTF_8);
    byte[] ciphertext = new byte[bytes.length - 3 - length];
    System.arraycopy(bytes, 3 + length, ciphertext, 0, ciphertext.length);
    return new Envelope(binding, ciphertext);
  }

  /** The Tink key id the ciphertext names (bytes 1..4 after the 0x01 prefix byte). */
  int keyId() {
    return ByteBuffer.wrap(ciphertext, 1, 4).getInt();
  }

  private static UnsealException truncated() {
    return new UnsealException(
        UnsealFailure.TRUNCATED,
        "spec.encryptedValue is cut short: copy the whole output of `keyward seal`, which is one"
            + " long line");
  }
}
