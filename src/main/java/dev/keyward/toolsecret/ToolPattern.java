package dev.keyward.toolsecret;

import dev.keyward.common.SpecProblem;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * A tool binding pattern: one tool name ({@code agno__linear__create_issue}), or a prefix ending in
 * a single trailing {@code *} ({@code agno__linear__*}) that matches every tool starting with it.
 */
public record ToolPattern(String text) {

  public static final int MAX_LENGTH = 1024;
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_.:/-]+");

  public ToolPattern {
    if (check(text).isPresent()) {
      throw new IllegalArgumentException("not a tool pattern");
    }
  }

  /**
   * Checks a spec's {@code tool}: null is fine (the value is for no tool); anything else must be a
   * name or a prefix with one trailing {@code *}. The reason is always {@code InvalidTool}.
   */
  public static Optional<SpecProblem> check(String tool) {
    if (tool == null) {
      return Optional.empty();
    }
    String problem = null;
    if (tool.isBlank()) {
      problem = "spec.tool is empty; name one tool, or leave it out";
    } else if (tool.length() > MAX_LENGTH) {
      problem = "spec.tool is longer than 1024 characters";
    } else if (tool.equals("*")) {
      problem =
          "spec.tool \"*\" would give the value to every tool; name a tool or a prefix like"
              + " agno__linear__*";
    } else if (tool.contains(",") || tool.chars().anyMatch(Character::isWhitespace)) {
      problem =
          String.format(
              "spec.tool \"%s\" looks like a list; a ToolSecret binds one tool or one prefix",
              abbreviate(tool));
    } else if (tool.indexOf('*') >= 0 && tool.indexOf('*') != tool.length() - 1) {
      problem =
          String.format(
              "spec.tool \"%s\" has a * that is not the last character; only a single trailing *"
                  + " is allowed, like agno__linear__*",
              abbreviate(tool));
    } else if (!NAME.matcher(tool.endsWith("*") ? tool.substring(0, tool.length() - 1) : tool)
        .matches()) {
      problem =
          String.format(
              "spec.tool \"%s\" may only hold letters, digits and _ . : / -, with an optional"
                  + " trailing *",
              abbreviate(tool));
    }
    return Optional.ofNullable(problem).map(m -> new SpecProblem("InvalidTool", m));
  }

  public boolean isWildcard() {
    return text.endsWith("*");
  }

  private String prefix() {
    return isWildcard() ? text.substring(0, text.length() - 1) : text;
  }

  public boolean matches(String toolName) {
    return isWildcard() ? toolName.startsWith(prefix()) : text.equals(toolName);
  }

  /**
   * Ranks patterns: an exact name ranks above every wildcard; among wildcards a longer prefix ranks
   * above a shorter one.
   */
  public int specificity() {
    return isWildcard() ? prefix().length() : Integer.MAX_VALUE;
  }

  private static String abbreviate(String text) {
    return text.length() <= 64 ? text : text.substring(0, 61) + "...";
  }
}
