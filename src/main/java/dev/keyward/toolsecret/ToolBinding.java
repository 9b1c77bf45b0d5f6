package dev.keyward.toolsecret;

import java.time.Instant;

/**
 * One active ToolSecret as the tool index sees it. It never holds the value, only its size.
 *
 * @param tool the binding pattern; null when the value is for no tool
 * @param toolArg the argument; null means any argument of the tool
 */
public record ToolBinding(
    String name,
    String tool,
    String toolArg,
    boolean defaultForTool,
    Instant createdAt,
    String fingerprint,
    int valueBytes) {}
