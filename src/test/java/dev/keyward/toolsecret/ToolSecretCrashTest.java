package dev.keyward.toolsecret;

import static dev.keyward.testing.OperatorHarness.value;
import static dev.keyward.testing.TestToolSecrets.toolSecret;
import static org.assertj.core.api.Assertions.assertThat;

import dev.keyward.apikey.KeyFormat;
import dev.keyward.testing.OperatorHarness;
import dev.keyward.testing.RequestLog;
import io.fabric8.kubernetes.api.model.Secret;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Kills the operator before each write a ToolSecret causes (its finalizer, its own Secret, the tool
 * index, its status; its Event is sent in the background and a crash may lose it), on first opening
 * and on a new sealed value, restarts it, and checks that the ToolSecret's Secret, the index and
 * status agree on one value, and that the index never serves a value the ToolSecret no longer has
 * once things settle.
 */
class ToolSecretCrashTest {

  @RegisterExtension final OperatorHarness harness = new OperatorHarness();

  static final String FIRST = "lin_api_0123456789abcdefABCDEF";
  static final String SECOND = "lin_api_fedcba9876543210FEDCBA";

  /** The finalizer, its own Secret, the tool index, its status: in this order. */
  static final int FIRST_OPENING_WRITES = 4;

  /** Its own Secret, the tool index, its status. */
  static final int NEW_VALUE_WRITES = 3;

  /**
   * The n-th write (0-based) of the ToolSecret controller from now on; none at all when {@code n}
   * is past the last, so the operator is killed after everything (later reconciles may still write,
   * for instance a create that lost a race with its own cache and meets a 409).
   */
  private static Predicate<RequestLog.Request> nthWrite(int n, int writes) {
    if (n >= writes) {
      return r -> false;
    }
    AtomicInteger seen = new AtomicInteger();
    return r -> r.isObjectWrite() && seen.getAndIncrement() == n;
  }

  @ParameterizedTest(name = "killed before write {0} (4 = after all)")
  @ValueSource(ints = {0, 1, 2, 3, 4})
  void firstOpeningSurvivesACrashAtAnyWrite(int write) throws Exception {
    boolean caught =
        harness.crashAt(
            nthWrite(write, FIRST_OPENING_WRITES),
            () -> harness.create(linear(FIRST)),
            () -> statusSays(harness.toolSecret("linear"), FIRST));
    assertThat(caught).as("write %d was sent", write).isEqualTo(write < FIRST_OPENING_WRITES);

    harness.start();
    assertServes("linear", FIRST);
  }

  @ParameterizedTest(name = "killed before write {0} (3 = after all)")
  @ValueSource(ints = {0, 1, 2, 3})
  void newSealedValueSurvivesACrashAtAnyWrite(int write) throws Exception {
    harness.create(linear(FIRST));
    assertServes("linear", FIRST);

    boolean caught =
        harness.crashAt(
            nthWrite(write, NEW_VALUE_WRITES),
            () ->
                harness.editToolSecret(
                    "linear",
                    t -> {
                      t.getSpec().setEncryptedValue(harness.seal(SECOND, "linear"));
                      return t;
                    }),
            () -> statusSays(harness.toolSecret("linear"), SECOND));
    assertThat(caught).as("write %d was sent", write).isEqualTo(write < NEW_VALUE_WRITES);

    harness.start();
    assertServes("linear", SECOND);
  }

  private ToolSecret linear(String value) {
    return toolSecret(
        "linear",
        s -> {
          s.setEncryptedValue(harness.seal(value, "linear"));
          s.setTool("agno__linear__*");
        });
  }

  /** Status, the last write of an opening, describes {@code expected} for the current spec. */
  private static boolean statusSays(ToolSecret t, String expected) {
    return t != null
        && t.getStatus() != null
        && "Active".equals(t.getStatus().getPhase())
        && KeyFormat.fingerprint(expected).equals(t.getStatus().getFingerprint())
        && t.getMetadata().getGeneration().equals(t.getStatus().getObservedGeneration());
  }

  private void assertServes(String name, String expected) {
    ToolSecret active = harness.awaitToolSecret(name, t -> statusSays(t, expected));
    OperatorHarness.waiting()
        .until(
            () -> harness.secret(ToolIndexSecret.DEFAULT_NAME),
            index -> index != null && expected.equals(value(index, name)));
    Secret own = harness.secret(name);
    Secret index = harness.secret(ToolIndexSecret.DEFAULT_NAME);
    assertThat(value(own, "value")).isEqualTo(expected);
    assertThat(value(index, name)).isEqualTo(expected);
    ToolIndex parsed = ToolIndex.fromJson(value(index, ToolIndexSecret.INDEX_KEY));
    assertThat(parsed.resolve("agno__linear__create_issue", "api_key"))
        .hasValueSatisfying(
            b -> {
              assertThat(b.name()).isEqualTo(name);
              assertThat(b.fingerprint()).isEqualTo(active.getStatus().getFingerprint());
            });
  }
}
