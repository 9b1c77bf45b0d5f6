package dev.keyward.sealing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class SealingKeysTest {

  static final String VALUE = "ghp_sealing_test_value_0123456789";
  final SealingKeys keys = SealingKeys.generate();

  private String seal(String value) {
    return keys.publicKeys().seal(value, "agents", "github-token");
  }

  private UnsealException failure(String sealed) {
    UnsealException e =
        catchThrowableOfType(
            UnsealException.class, () -> keys.unseal(sealed, "agents", "github-token"));
    assertThat(e).as("unseal must fail").isNotNull();
    assertThat(e.getMessage()).doesNotContain(VALUE);
    if (sealed != null && sealed.length() > 8) {
      assertThat(e.getMessage()).doesNotContain(sealed);
    }
    return e;
  }

  private static byte[] bytes(String sealed) {
    return Base64.getDecoder().decode(sealed);
  }

  private static String base64(byte[] bytes) {
    return Base64.getEncoder().encodeToString(bytes);
  }

  @ParameterizedTest
  @ValueSource(strings = {"abcd", "ghp_0123456789", "pässwörd-😀-ünïcode"})
  void roundTrip(String value) throws Exception {
    Unsealed opened = keys.unseal(seal(value), "agents", "github-token");
    assertThat(opened.value()).isEqualTo(value);
    assertThat(opened.keyId()).isEqualTo(keys.primaryKeyId());
  }

  @Test
  void roundTripOfTheLongestValue() throws Exception {
    String longest = "x".repeat(1024);
    assertThat(keys.unseal(seal(longest), "agents", "github-token").value()).isEqualTo(longest);
  }

  @Test
  void sealingTheSameValueTwiceGivesDifferentCiphertexts() {
    assertThat(seal(VALUE)).isNotEqualTo(seal(VALUE));
  }

  @ParameterizedTest
  @ValueSource(strings = {"not base64!", "@@@@", ""})
  void notBase64(String sealed) {
    assertThat(failure(sealed).failure()).isEqualTo(UnsealFailure.NOT_BASE64);
  }

  @Test
  void truncatedAtSeveralLengths() {
    byte[] full = bytes(seal(VALUE));
    int header = 3 + "agents/github-token".length();
    for (int length :
        new int[] {1, 2, header, header + 10, header + Envelope.MIN_TINK_CIPHERTEXT - 1}) {
      byte[] cut = new byte[length];
      System.arraycopy(full, 0, cut, 0, length);
      assertThat(failure(base64(cut)).failure())
          .as("cut to %d bytes", length)
          .isEqualTo(UnsealFailure.TRUNCATED);
    }
  }

  @Test
  void aCiphertextCutByOneByteDoesNotOpen() {
    byte[] full = bytes(seal(VALUE));
    byte[] cut = new byte[full.length - 1];
    System.arraycopy(full, 0, cut, 0, cut.length);
    // Long enough to hold a Tink ciphertext, so the tag check is what fails.
    assertThat(failure(base64(cut)).failure()).isEqualTo(UnsealFailure.TAMPERED);
  }

  @Test
  void anotherFormatVersionIsUnsupported() {
    byte[] b = bytes(seal(VALUE));
    b[0] = 2;
    assertThat(failure(base64(b)).failure()).isEqualTo(UnsealFailure.UNSUPPORTED_FORMAT);
  }

  @Test
  void sealedForAnotherNameOrNamespaceIsTheWrongObject() {
    String otherName = keys.publicKeys().seal(VALUE, "agents", "jira-token");
    String otherNamespace = keys.publicKeys().seal(VALUE, "staging", "github-token");
    UnsealException name = failure(otherName);
    assertThat(name.failure()).isEqualTo(UnsealFailure.WRONG_OBJECT);
    assertThat(name.getMessage()).contains("agents/jira-token").contains("agents/github-token");
    assertThat(failure(otherNamespace).failure()).isEqualTo(UnsealFailure.WRONG_OBJECT);
  }

  @Test
  void editingTheClearBindingToMatchIsTampering() {
    // Sealed for agents/linear-token (same length as agents/github-token), binding rewritten.
    byte[] b = bytes(keys.publicKeys().seal(VALUE, "agents", "linear-token"));
    byte[] binding = "agents/github-token".getBytes(StandardCharsets.UTF_8);
    assertThat(ByteBuffer.wrap(b, 1, 2).getShort()).isEqualTo((short) binding.length);
    System.arraycopy(binding, 0, b, 3, binding.length);
    assertThat(failure(base64(b)).failure()).isEqualTo(UnsealFailure.TAMPERED);
  }

  @Test
  void oneFlippedBitInTheBodyIsTampering() {
    byte[] b = bytes(seal(VALUE));
    b[b.length - 20] ^= 0x04;
    assertThat(failure(base64(b)).failure()).isEqualTo(UnsealFailure.TAMPERED);
  }

  @Test
  void sealedWithKeysKeywardDoesNotHaveIsAnUnknownKey() {
    String foreign = SealingKeys.generate().publicKeys().seal(VALUE, "agents", "github-token");
    UnsealException e = failure(foreign);
    assertThat(e.failure()).isEqualTo(UnsealFailure.UNKNOWN_SEALING_KEY);
    assertThat(e.getMessage()).contains("--fetch-public-keys");
  }

  @Test
  void afterANewPrimaryOldValuesOpenAndNewSealsUseTheNewKey() throws Exception {
    String old = seal(VALUE);
    SealingKeys rotated = keys.withNewPrimary();
    assertThat(rotated.keyIds()).hasSize(2).contains(keys.primaryKeyId());
    assertThat(rotated.primaryKeyId()).isNotEqualTo(keys.primaryKeyId());

    Unsealed opened = rotated.unseal(old, "agents", "github-token");
    assertThat(opened.value()).isEqualTo(VALUE);
    assertThat(opened.keyId()).isEqualTo(keys.primaryKeyId());
    Unsealed fresh =
        rotated.unseal(
            rotated.publicKeys().seal(VALUE, "agents", "github-token"), "agents", "github-token");
    assertThat(fresh.keyId()).isEqualTo(rotated.primaryKeyId());
  }

  @Test
  void keysetsSurviveTheirJsonForm() throws Exception {
    SealingKeys read = SealingKeys.fromJson(keys.toJson());
    assertThat(read.primaryKeyId()).isEqualTo(keys.primaryKeyId());
    assertThat(read.unseal(seal(VALUE), "agents", "github-token").value()).isEqualTo(VALUE);

    PublicKeys published = PublicKeys.fromJson(keys.publicKeys().toJson());
    assertThat(published.primaryKeyId()).isEqualTo(keys.primaryKeyId());
    assertThat(
            keys.unseal(published.seal(VALUE, "agents", "github-token"), "agents", "github-token")
                .value())
        .isEqualTo(VALUE);
  }

  @Test
  void thePublicJsonHoldsNoPrivateKey() {
    String publicJson = keys.publicKeys().toJson();
    assertThatThrownBy(() -> SealingKeys.fromJson(publicJson))
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(publicJson).doesNotContain("HpkePrivateKey");
    assertThatThrownBy(() -> PublicKeys.fromJson(keys.toJson()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("--fetch-public-keys");
  }

  @Test
  void anOpenedValueDoesNotPrintItself() throws Exception {
    Unsealed opened = keys.unseal(seal(VALUE), "agents", "github-token");
    assertThat(opened.toString()).doesNotContain(VALUE).contains(keys.primaryKeyId());
  }
}
