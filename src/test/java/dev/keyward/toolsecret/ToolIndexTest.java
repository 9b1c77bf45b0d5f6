package dev.keyward.toolsecret;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Resolution rules of the tool index, as a table. */
class ToolIndexTest {

  static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

  static ToolBinding b(String name, String tool, String arg, boolean dflt, int minute) {
    return new ToolBinding(
        name, tool, arg, dflt, T0.plusSeconds(60L * minute), "sha256:" + name, 10);
  }

  static Stream<Arguments> cases() {
    List<ToolBinding> wide =
        List.of(
            b("any-agno", "agno__*", null, false, 0),
            b("any-linear", "agno__linear__*", null, false, 1),
            b("linear-issue", "agno__linear__create_issue", null, false, 2));
    List<ToolBinding> defaults =
        List.of(
            b("explicit-key", "github", "token", false, 5),
            b("default-key", "github", "token", true, 1));
    List<ToolBinding> args =
        List.of(b("any-arg", "jira", null, false, 0), b("exact-arg", "jira", "api_key", false, 3));
    List<ToolBinding> conflict =
        List.of(
            b("old-default", "slack", "token", true, 0),
            b("new-default", "slack", "token", true, 9),
            b("newest-default", "slack", "token", true, 10));
    return Stream.of(
        Arguments.of(
            "exact name beats every wildcard",
            wide,
            "agno__linear__create_issue",
            "x",
            "linear-issue"),
        Arguments.of(
            "longer wildcard beats shorter", wide, "agno__linear__list", "x", "any-linear"),
        Arguments.of("short wildcard when only it matches", wide, "agno__jira__x", "x", "any-agno"),
        Arguments.of("no match", wide, "other", "x", null),
        Arguments.of(
            "wildcard prefix must match from the start", wide, "x_agno__linear__y", "x", null),
        Arguments.of("explicit beats default", defaults, "github", "token", "explicit-key"),
        Arguments.of("default applies to its arg only", defaults, "github", "other", null),
        Arguments.of("exact arg beats any arg", args, "jira", "api_key", "exact-arg"),
        Arguments.of("any-arg binding serves other args", args, "jira", "url", "any-arg"),
        Arguments.of("oldest default wins a conflict", conflict, "slack", "token", "old-default"),
        Arguments.of(
            "without the oldest, the next default still conflicts-free",
            conflict.subList(1, 3),
            "slack",
            "token",
            "new-default"),
        Arguments.of(
            "tool specificity beats explicit-over-default",
            List.of(
                b("exact-default", "gh", "t", true, 0), b("wild-explicit", "g*", "t", false, 0)),
            "gh",
            "t",
            "exact-default"),
        Arguments.of(
            "explicit-over-default beats exact arg",
            List.of(
                b("default-exact-arg", "gh", "t", true, 0),
                b("explicit-any-arg", "gh", null, false, 0)),
            "gh",
            "t",
            "explicit-any-arg"),
        Arguments.of(
            "older wins a tie",
            List.of(b("newer", "gh", "t", false, 2), b("older", "gh", "t", false, 1)),
            "gh",
            "t",
            "older"),
        Arguments.of(
            "name breaks a tie in age",
            List.of(b("b-name", "gh", "t", false, 1), b("a-name", "gh", "t", false, 1)),
            "gh",
            "t",
            "a-name"),
        Arguments.of(
            "a binding without a tool is never resolved",
            List.of(b("plain", null, null, false, 0)),
            "plain",
            "x",
            null),
        Arguments.of(
            "a default for any arg and one for an exact arg do not conflict",
            List.of(b("dflt-any", "gh", null, true, 0), b("dflt-t", "gh", "t", true, 1)),
            "gh",
            "t",
            "dflt-t"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void resolves(
      String title, List<ToolBinding> bindings, String tool, String arg, String expected) {
    ToolIndex index = ToolIndex.of(bindings);
    assertThat(index.resolve(tool, arg).map(ToolBinding::name).orElse(null)).isEqualTo(expected);
    ToolIndex reread = ToolIndex.fromJson(index.toJson());
    assertThat(reread.resolve(tool, arg).map(ToolBinding::name).orElse(null))
        .as("after an index.json round trip")
        .isEqualTo(expected);
  }

  @Test
  void newerDefaultsAreReportedAsConflictsNamingTheOlderOne() {
    ToolIndex index =
        ToolIndex.of(
            List.of(
                b("old-default", "slack", "token", true, 0),
                b("new-default", "slack", "token", true, 9),
                b("newest-default", "slack", "token", true, 10),
                b("other-arg", "slack", "url", true, 11)));
    assertThat(index.defaultConflicts()).containsOnlyKeys("new-default", "newest-default");
    assertThat(index.defaultConflicts().get("new-default"))
        .contains("old-default")
        .contains("slack")
        .contains("token");
    assertThat(index.toJson()).contains("\"conflict\" : true");
  }

  @Test
  void jsonIsTheSameWhateverTheInputOrderAndHoldsOnlyMetadata() {
    List<ToolBinding> bindings = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      bindings.add(b("t" + i, "tool" + i + "*", i % 2 == 0 ? null : "arg", i % 3 == 0, i));
    }
    String json = ToolIndex.of(bindings).toJson();
    Collections.reverse(bindings);
    assertThat(ToolIndex.of(bindings).toJson()).isEqualTo(json);
    assertThat(json).contains("\"fingerprint\" : \"sha256:t3\"").contains("\"valueKey\" : \"t3\"");
    assertThat(json).doesNotContain("valueBytes");
  }

  @Test
  void badJsonIsRefusedClearly() {
    assertThatThrownBy(() -> ToolIndex.fromJson("{nope"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("not valid JSON");
    assertThatThrownBy(() -> ToolIndex.fromJson("{\"version\":7}"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("version");
  }
}
