package dev.keyward.verifier;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keyward.apikey.KeyFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Where the key comes from and which forms are refused before any lookup. */
class PresentedTest {

  private static final String KEY = KeyFormat.generate("kw_", 32);
  private static final String AGENT_KEY = KeyFormat.generate("kwa_", 22);

  private static Code code(List<String> authorization, List<String> apiKey) {
    return Presented.extract(authorization, apiKey).code();
  }

  @Test
  void findsTheKeyInBearerOrXApiKey() {
    assertThat(Presented.extract(List.of("Bearer " + KEY), List.of()).key()).isEqualTo(KEY);
    assertThat(Presented.extract(List.of("bearer   " + KEY + " "), List.of()).key()).isEqualTo(KEY);
    assertThat(Presented.extract(List.of(), List.of(KEY)).key()).isEqualTo(KEY);
    assertThat(Presented.extract(List.of("Bearer " + KEY), List.of(KEY)).key()).isEqualTo(KEY);
    assertThat(Presented.extract(List.of("Basic abc"), List.of(AGENT_KEY)).key())
        .isEqualTo(AGENT_KEY);
    assertThat(Presented.checkForm(KeyFormat.generate("my-prefix_", KeyFormat.MAX_LENGTH)))
        .isTrue();
  }

  @Test
  void refusesEverythingElse() {
    assertThat(code(List.of(), List.of())).isEqualTo(Code.MISSING_KEY);
    assertThat(code(List.of("Bearer " + KEY, "Bearer " + KEY), List.of()))
        .isEqualTo(Code.MALFORMED);
    assertThat(code(List.of(), List.of(KEY, KEY))).isEqualTo(Code.MALFORMED);
    assertThat(code(List.of("Basic " + KEY), List.of())).isEqualTo(Code.MALFORMED);
    assertThat(code(List.of("Bearer"), List.of())).isEqualTo(Code.MALFORMED);
    assertThat(code(List.of(""), List.of())).isEqualTo(Code.MALFORMED);
    assertThat(code(List.of("Bearer " + KEY), List.of(AGENT_KEY))).isEqualTo(Code.MALFORMED);
    assertThat(code(List.of(), List.of(""))).isEqualTo(Code.MALFORMED);
    assertThat(code(List.of(), List.of(KEY.substring(0, KEY.length() - 1) + "!")))
        .isEqualTo(Code.MALFORMED);
    String swapped = KEY.substring(0, 5) + KEY.charAt(6) + KEY.charAt(5) + KEY.substring(7);
    if (!swapped.equals(KEY)) {
      assertThat(code(List.of(), List.of(swapped))).isEqualTo(Code.MALFORMED);
    }
    assertThat(code(List.of(), List.of("kw_é" + KEY.substring(4)))).isEqualTo(Code.MALFORMED);
    assertThat(code(List.of(), List.of("kw_short"))).isEqualTo(Code.MALFORMED);
    assertThat(code(List.of(), List.of("k".repeat(Presented.MAX_KEY_LENGTH + 1))))
        .isEqualTo(Code.MALFORMED);
  }

  @Test
  void neverShowsTheKey() {
    assertThat(Presented.extract(List.of(), List.of(KEY)).toString()).doesNotContain(KEY);
    assertThat(KeyHash.of(KEY).toString()).doesNotContain(KeyFormat.keyHash(KEY).substring(7, 20));
  }

  @Test
  void hashOfAKeyIsTheHashStatusCarries() {
    assertThat(KeyHash.of(KEY)).isEqualTo(KeyHash.parse(KeyFormat.keyHash(KEY)));
    assertThat(KeyHash.of(KEY)).isNotEqualTo(KeyHash.of(AGENT_KEY));
    assertThat(KeyHash.parse("sha256:" + "0".repeat(63))).isNull();
    assertThat(KeyHash.parse("sha256:" + "g".repeat(64))).isNull();
    assertThat(KeyHash.parse("md5:" + "0".repeat(67))).isNull();
    assertThat(KeyHash.parse(null)).isNull();
  }
}
