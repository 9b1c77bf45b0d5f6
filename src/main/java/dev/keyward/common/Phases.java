package dev.keyward.common;

/** The phases both kinds report in {@code status.phase}, as Kubernetes users read them. */
public final class Phases {

  public static final String PENDING = "Pending";
  public static final String ACTIVE = "Active";
  public static final String EXPIRED = "Expired";
  public static final String REVOKED = "Revoked";
  public static final String FAILED = "Failed";

  private Phases() {}
}
