package dev.keyward.testing;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * The test runs in the rules-less world: {@link OperatorHarness} installs {@link RulesLessCrds}
 * before it and puts the real CRDs back after it, so the test can apply objects the CRDs' rules
 * refuse (as a cluster holds them when Keyward was upgraded before its CRDs, or when they were
 * stored before the rules) and show what the operator does with them. Without this annotation a
 * test runs against the real CRDs, and the API server refuses what their rules refuse.
 *
 * <p>The harness checks the claim: at least one object the test applies through it is refused by
 * the real CRD, and every one is accepted by the rules-less copy.
 */
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.METHOD, ElementType.TYPE})
public @interface WithoutCrdRules {
  /** Why the test needs objects the rules refuse. */
  String value();
}
