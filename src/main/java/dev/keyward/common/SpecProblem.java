package dev.keyward.common;

/**
 * A mistake in a spec that Keyward cannot act on until a person fixes it: the {@code reason} is the
 * Ready condition's CamelCase reason, the {@code message} a sentence saying what to change.
 */
public record SpecProblem(String reason, String message) {}
