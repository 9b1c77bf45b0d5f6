package dev.keyward.cli;

import java.util.Optional;
import java.util.regex.Pattern;

/** Kubernetes' own rules for object and namespace names, checked before anything is sent. */
final class Names {

  private static final Pattern DNS_LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?");
  private static final Pattern DNS_SUBDOMAIN =
      Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");

  private Names() {}

  /** An object name (DNS-1123 subdomain); empty when valid, else what is wrong. */
  static Optional<String> checkName(String option, String name) {
    if (name.length() <= 253 && DNS_SUBDOMAIN.matcher(name).matches()) {
      return Optional.empty();
    }
    return Optional.of(
        String.format(
            "%s \"%s\" is not a valid Kubernetes name: use lower-case letters, digits, '-' and '.',"
                + " starting and ending with a letter or digit, at most 253 characters",
            option, name));
  }

  /** A namespace name (DNS-1123 label); empty when valid, else what is wrong. */
  static Optional<String> checkNamespace(String option, String namespace) {
    if (namespace.length() <= 63 && DNS_LABEL.matcher(namespace).matches()) {
      return Optional.empty();
    }
    return Optional.of(
        String.format(
            "%s \"%s\" is not a valid namespace name: use lower-case letters, digits and '-',"
                + " starting and ending with a letter or digit, at most 63 characters",
            option, namespace));
  }
}
