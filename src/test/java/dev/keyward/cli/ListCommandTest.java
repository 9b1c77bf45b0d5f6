package dev.keyward.cli;

import static dev.keyward.testing.TestApiKeys.apiKey;
import static dev.keyward.testing.TestToolSecrets.toolSecret;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.type.TypeReference;
import dev.keyward.admission.CreatedBy;
import dev.keyward.apikey.ApiKey;
import dev.keyward.testing.CliRun;
import dev.keyward.testing.OperatorHarness;
import dev.keyward.toolsecret.ToolSecret;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code keyward list} against a running operator: both kinds, their status, the recorded creator,
 * substring search across display names, JSON output, and never a value.
 */
class ListCommandTest {

  @RegisterExtension final OperatorHarness harness = new OperatorHarness();

  static CliRun run(String... args) {
    return CliRun.run(args);
  }

  @BeforeEach
  void useTestCluster() {
    CliRun.useTestCluster();
  }

  void createAndAwait() {
    ApiKey research =
        apiKey(
            "research-agent",
            s -> {
              s.setDisplayName("Research agent");
              s.setType("Agent");
            });
    research.getMetadata().setAnnotations(Map.of(CreatedBy.ANNOTATION, "alice@example.com"));
    harness.create(research);
    harness.create(apiKey("billing", s -> s.setDisplayName("Billing service")));
    ToolSecret linear =
        toolSecret(
            "linear-token",
            s -> {
              s.setDisplayName("Linear token");
              s.setEncryptedValue(harness.seal("lin_api_listed_0123456789", "linear-token"));
              s.setTool("agno__linear__*");
            });
    linear.getMetadata().setAnnotations(Map.of(CreatedBy.ANNOTATION, "bob"));
    harness.admin().resource(linear).inNamespace(harness.namespace()).create();
    for (String name : List.of("research-agent", "billing")) {
      harness.awaitApiKey(
          name, k -> k.getStatus() != null && "Active".equals(k.getStatus().getPhase()));
    }
    harness.awaitToolSecret(
        "linear-token", t -> t.getStatus() != null && "Active".equals(t.getStatus().getPhase()));
  }

  @Test
  void listsBothKindsWithStatusAndCreatorAndFindsByDisplayName() {
    createAndAwait();
    String ns = harness.namespace();

    CliRun all = run("list", "-n", ns);
    assertThat(all.code()).as(all.err()).isZero();
    List<String> lines = all.out().lines().toList();
    assertThat(lines.get(0))
        .startsWith("KIND")
        .contains("DISPLAY NAME", "STATUS", "CREATED BY")
        .doesNotContain("NAMESPACE");
    assertThat(lines).hasSize(4);
    assertThat(lines)
        .anySatisfy(
            l ->
                assertThat(l)
                    .contains(
                        "ApiKey",
                        "research-agent",
                        "Research agent",
                        "Active",
                        "Agent",
                        "alice@example.com"))
        .anySatisfy(l -> assertThat(l).contains("ApiKey", "billing", "Billing service", "Standard"))
        .anySatisfy(
            l ->
                assertThat(l)
                    .contains(
                        "ToolSecret", "linear-token", "Linear token", "agno__linear__*", "bob"));

    CliRun search = run("list", "-n", ns, "--name", "AGENT");
    assertThat(search.out().lines().skip(1).toList())
        .singleElement()
        .satisfies(l -> assertThat(l).contains("research-agent"));

    CliRun token = run("list", "-n", ns, "--name", "token");
    assertThat(token.out().lines().skip(1).toList())
        .singleElement()
        .satisfies(l -> assertThat(l).contains("linear-token"));

    CliRun none = run("list", "-n", ns, "--name", "nothing like it");
    assertThat(none.code()).isZero();
    assertThat(none.out()).contains("No ApiKeys, ToolSecrets or ToolGrants match");
  }

  @Test
  void jsonOutputAndAllNamespacesNeverShowValues() throws Exception {
    createAndAwait();
    String ns = harness.namespace();

    CliRun json = run("list", "-A", "--name", "research", "-o", "json");
    assertThat(json.code()).as(json.err()).isZero();
    List<Map<String, Object>> rows =
        Serialization.jsonMapper().readValue(json.out(), new TypeReference<>() {});
    assertThat(rows)
        .filteredOn(r -> ns.equals(r.get("namespace")))
        .singleElement()
        .satisfies(
            r ->
                assertThat(r)
                    .containsEntry("kind", "ApiKey")
                    .containsEntry("name", "research-agent")
                    .containsEntry("displayName", "Research agent")
                    .containsEntry("phase", "Active")
                    .containsEntry("type", "Agent")
                    .containsEntry("createdBy", "alice@example.com")
                    .containsKey("masked"));

    CliRun table = run("list", "--all-namespaces");
    assertThat(table.out().lines().findFirst())
        .hasValueSatisfying(h -> assertThat(h).startsWith("NAMESPACE"));
    String key = OperatorHarness.value(harness.secret("research-agent"), "apiKey");
    assertThat(key).isNotBlank();
    assertThat(table.out() + json.out())
        .doesNotContain(key)
        .doesNotContain("lin_api_listed_0123456789");
  }

  @Test
  void aWrongOutputFormatIsOneLine() {
    CliRun bad = run("list", "-n", "x", "-o", "yaml");
    assertThat(bad.code()).isEqualTo(2);
    assertThat(bad.err().strip()).isEqualTo("keyward list: -o must be table or json, not \"yaml\"");
  }

  @Test
  void listsAndShowsAGrantWithItsDeliveredAndMissingToolsAndNoValue() {
    createAndAwait();
    String ns = harness.namespace();
    harness.create(
        dev.keyward.testing.TestToolGrants.toolGrant(
            "research",
            s -> {
              s.setDisplayName("Research tools");
              dev.keyward.testing.TestToolGrants.tools(
                      dev.keyward.testing.TestToolGrants.entry(
                          "agno__linear__list_issues", "api_key", "LINEAR_API_KEY"),
                      dev.keyward.testing.TestToolGrants.entry(
                          "agno__github__search_code", "token", "GITHUB_TOKEN"))
                  .accept(s);
            }));
    harness.awaitToolGrant(
        "research", g -> g.getStatus() != null && "1/2".equals(g.getStatus().getTools()));

    CliRun list = run("list", "-n", ns, "--name", "research tools");
    assertThat(list.code()).as(list.err()).isZero();
    assertThat(list.out().lines().skip(1).toList())
        .singleElement()
        .satisfies(
            l ->
                assertThat(l)
                    .contains(
                        "ToolGrant", "research", "Research tools", "Incomplete", "1/2 tools"));

    CliRun status = run("status", "tg", "research", "-n", ns);
    assertThat(status.code()).as(status.err()).isZero();
    assertThat(status.out())
        .contains("ToolGrant " + ns + "/research")
        .contains("Phase:        Incomplete  Ready=False MissingValues")
        .contains("Tools:        1/2 have a value")
        .contains("Secret:       research-tools")
        .contains("LINEAR_API_KEY  agno__linear__list_issues api_key  from linear-token (wildcard)")
        .contains(
            "GITHUB_TOKEN  agno__github__search_code token\n    No ToolSecret binds tool"
                + " agno__github__search_code with argument token. Add one: keyward seal"
                + " --namespace "
                + ns)
        .doesNotContain("lin_api_listed_0123456789");
    CliRun revoke = run("revoke", "tg", "research", "-n", ns);
    assertThat(revoke.code()).isNotZero();
    assertThat(revoke.err()).contains("a ToolGrant holds no credential of its own");
  }
}
