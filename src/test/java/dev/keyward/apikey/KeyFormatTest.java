package dev.keyward.apikey;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class KeyFormatTest {

  @Test
  void generatedKeyHasPrefixRandomPartAndVerifiableChecksum() {
    String key = KeyFormat.generate("kw_", 32);

    assertThat(key).hasSize(3 + 32 + 6).startsWith("kw_").matches("kw_[0-9A-Za-z]{38}");
    assertThat(KeyFormat.hasValidChecksum(key)).isTrue();
  }

  @Test
  void changingAnySingleCharacterBreaksTheChecksum() {
    String key = KeyFormat.generate("kwa_", 32);
    for (int i = 0; i < key.length(); i++) {
      char original = key.charAt(i);
      char replacement = original == 'a' ? 'b' : 'a';
      String altered = key.substring(0, i) + replacement + key.substring(i + 1);
      assertThat(KeyFormat.hasValidChecksum(altered)).as("changed position %d", i).isFalse();
    }
  }

  @Test
  void checksumIsCrc32OfPrefixAndRandomInSixBase62Characters() {
    assertThat(KeyFormat.checksum("kw_")).hasSize(6).isEqualTo(base62(crc("kw_")));
  }

  @Test
  void keysDoNotRepeat() {
    Set<String> keys = new HashSet<>();
    for (int i = 0; i < 1000; i++) {
      keys.add(KeyFormat.generate("kw_", 22));
    }
    assertThat(keys).hasSize(1000);
  }

  @Test
  void refusesFormatsBelow128BitsOrWithOddPrefixes() {
    assertThat(KeyFormat.checkLength(21)).contains("between 22");
    assertThat(KeyFormat.checkLength(22)).isNull();
    assertThat(KeyFormat.checkLength(129)).isNotNull();
    assertThat(KeyFormat.checkPrefix("kw_")).isNull();
    assertThat(KeyFormat.checkPrefix("")).isNotNull();
    assertThat(KeyFormat.checkPrefix("has space")).isNotNull();
    assertThat(KeyFormat.checkPrefix("x".repeat(17))).isNotNull();
  }

  @Test
  void masksFirstAndLastFourCharacters() {
    assertThat(KeyFormat.mask("kw_a12345678_9Zq1")).isEqualTo("kw_a…9Zq1");
    assertThat(KeyFormat.mask("short")).isEqualTo("…");
    assertThat(KeyFormat.mask("ghp_abcdefgh", 3)).isEqualTo("ghp…fgh");
  }

  @Test
  void fingerprintIsSha256PrefixOfSixteenHexDigits() {
    // sha256("abc") = ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad
    assertThat(KeyFormat.fingerprint("abc")).isEqualTo("sha256:ba7816bf8f01cfea");
  }

  private static long crc(String s) {
    var crc = new java.util.zip.CRC32();
    crc.update(s.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    return crc.getValue();
  }

  private static String base62(long value) {
    String alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    StringBuilder out = new StringBuilder();
    while (value > 0) {
      out.insert(0, alphabet.charAt((int) (value % 62)));
      value /= 62;
    }
    while (out.length() < 6) {
      out.insert(0, '0');
    }
    return out.toString();
  }
}
