package dev.keyward.toolsecret;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class ToolPatternTest {

  @ParameterizedTest
  @ValueSource(strings = {"github", "agno__linear__*", "a", "mcp:github/issues.create", "x-y_z.*"})
  void accepted(String tool) {
    assertThat(ToolPattern.check(tool)).isEmpty();
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "''|empty",
        "' '|empty",
        "*|every tool",
        "github,jira|list",
        "github jira|list",
        "agno__*__linear|not the last character",
        "**|not the last character",
        "*github|not the last character",
        "git$hub|may only hold",
      })
  void refused(String tool, String messagePart) {
    assertThat(ToolPattern.check(tool))
        .hasValueSatisfying(
            p -> {
              assertThat(p.reason()).isEqualTo("InvalidTool");
              assertThat(p.message()).contains(messagePart);
            });
  }

  @Test
  void tooLongIsRefused() {
    assertThat(ToolPattern.check("a".repeat(1025))).isPresent();
    assertThat(ToolPattern.check("a".repeat(1024))).isEmpty();
  }

  @Test
  void noToolIsFine() {
    assertThat(ToolPattern.check(null)).isEmpty();
  }

  @Test
  void matchingAndRanking() {
    ToolPattern exact = new ToolPattern("agno__linear");
    ToolPattern longer = new ToolPattern("agno__linear*");
    ToolPattern shorter = new ToolPattern("agno__*");
    assertThat(exact.matches("agno__linear")).isTrue();
    assertThat(exact.matches("agno__linear2")).isFalse();
    assertThat(longer.matches("agno__linear2")).isTrue();
    assertThat(shorter.matches("agno__jira")).isTrue();
    assertThat(shorter.matches("agn")).isFalse();
    assertThat(exact.specificity()).isGreaterThan(longer.specificity());
    assertThat(longer.specificity()).isGreaterThan(shorter.specificity());
  }
}
