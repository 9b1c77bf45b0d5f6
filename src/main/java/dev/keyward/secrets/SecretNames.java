package dev.keyward.secrets;

import dev.keyward.common.SpecProblem;
import java.util.regex.Pattern;

/** Checks the Secret name and data key a spec asks for against Kubernetes' own rules. */
public final class SecretNames {

  private static final Pattern DNS_SUBDOMAIN =
      Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");
  private static final Pattern DATA_KEY = Pattern.compile("[-._a-zA-Z0-9]+");

  private SecretNames() {}

  /** Returns null when name and key are usable, else the problem with reason InvalidSecret. */
  public static SpecProblem check(String secretName, String dataKey) {
    if (secretName.length() > 253 || !DNS_SUBDOMAIN.matcher(secretName).matches()) {
      return new SpecProblem(
          "InvalidSecret",
          String.format(
              "spec.secret.name \"%s\" is not a valid Secret name: use lower-case letters, digits,"
                  + " '-' and '.', at most 253 characters",
              secretName));
    }
    if (dataKey.length() > 200 || !DATA_KEY.matcher(dataKey).matches()) {
      return new SpecProblem(
          "InvalidSecret",
          String.format(
              "spec.secret.key \"%s\" is not a valid Secret data key: use letters, digits, '-',"
                  + " '_' and '.', at most 200 characters",
              dataKey));
    }
    return null;
  }
}
