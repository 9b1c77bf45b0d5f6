package dev.keyward.secrets;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The watch event of a Secret the operator is writing is known as its own whether it arrives before
 * the write's answer or not; anyone else's change, and a second event, go through.
 */
class OwnSecretWritesTest {

  static Secret secret(String value, String resourceVersion) {
    return new SecretBuilder()
        .withNewMetadata()
        .withName("k")
        .withNamespace("team-a")
        .withResourceVersion(resourceVersion)
        .addToLabels("keyward.dev/api-key", "k")
        .addToAnnotations("keyward.dev/key-version", value)
        .endMetadata()
        .withType("Opaque")
        .addToData("apiKey", value)
        .build();
  }

  @Test
  void theEventOfAWriteInFlightIsOwnOnce() {
    OwnSecretWrites own = new OwnSecretWrites();
    Secret desired = secret("djI=", "7");
    own.writing(desired);

    // The watch event arrives before the answer: the server's copy, a newer resourceVersion.
    assertThat(own.onUpdate().accept(secret("djI=", "8"), secret("djE=", "7"))).isFalse();
    // The same content again is someone else's write (or a re-list): it goes through.
    assertThat(own.onUpdate().accept(secret("djI=", "9"), secret("djI=", "8"))).isTrue();
    assertThat(own.pending()).isZero();
  }

  @Test
  void whenJosdkDoesNotHoldTheAnswerTheNoteWaitsForItsEvent() {
    OwnSecretWrites own = new OwnSecretWrites();
    Secret desired = secret("djI=", "7");
    own.writing(desired);
    Secret answer = secret("djI=", "8");
    // The informer had the event before JOSDK was told: JOSDK shows the informer's copy, and the
    // event is still on its way to the filters.
    own.done(desired, answer, id -> Optional.of(secret("djI=", "8")));
    assertThat(own.onUpdate().accept(secret("djI=", "8"), secret("djE=", "7"))).isFalse();
    assertThat(own.pending()).isZero();
  }

  @Test
  void theEventOfACreateIsOwnToo() {
    OwnSecretWrites own = new OwnSecretWrites();
    own.writing(secret("djE=", null));
    assertThat(own.onAdd().accept(secret("djE=", "3"))).isFalse();
  }

  @Test
  void aFailedWriteLeavesNoNote() {
    OwnSecretWrites own = new OwnSecretWrites();
    Secret desired = secret("djI=", "7");
    own.writing(desired);
    own.done(desired, null, id -> Optional.empty());
    assertThat(own.pending()).isZero();
  }

  @Test
  void aDifferentValueOrAnotherSecretIsNotOwn() {
    OwnSecretWrites own = new OwnSecretWrites();
    own.writing(secret("djI=", "7"));
    // Someone changed the value meanwhile: reconcile.
    assertThat(own.onUpdate().accept(secret("b3RoZXI=", "8"), secret("djE=", "7"))).isTrue();
    Secret elsewhere = secret("djI=", "8");
    elsewhere.getMetadata().setNamespace("team-b");
    assertThat(own.onAdd().accept(elsewhere)).isTrue();
  }

  @Test
  void onceTheWriteReturnedNothingIsHeldAndEveryEventGoesThrough() {
    OwnSecretWrites own = new OwnSecretWrites();
    Secret desired = secret("djI=", "7");
    own.writing(desired);
    // The answer came first; JOSDK now holds it and knows the event by its resourceVersion.
    Secret answer = secret("djI=", "8");
    own.done(desired, answer, id -> Optional.of(answer));
    assertThat(own.pending()).isZero();
    assertThat(own.onUpdate().accept(secret("djI=", "8"), secret("djE=", "7"))).isTrue();
  }
}
