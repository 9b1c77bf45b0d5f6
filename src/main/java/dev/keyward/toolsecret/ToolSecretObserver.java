package dev.keyward.toolsecret;

import dev.keyward.sealing.UnsealFailure;

/** Hooks for metrics: what each reconcile found. Implementations must be fast and never throw. */
public interface ToolSecretObserver {

  ToolSecretObserver NONE = new ToolSecretObserver() {};

  /** The status a reconcile settled on (written or unchanged). */
  default void observed(ToolSecret toolSecret, ToolSecretStatus status) {}

  /** An encryptedValue did not open. */
  default void unsealFailed(ToolSecret toolSecret, UnsealFailure failure) {}

  /** The ToolSecret is gone. */
  default void deleted(ToolSecret toolSecret) {}

  /**
   * The watch on a namespace's Secrets that {@code valueFrom} reads changed state.
   *
   * @param problem why it cannot be established, or null when it is
   * @param open false when the namespace is no longer watched at all
   */
  default void sourceWatch(String namespace, String problem, boolean open) {}

  /** Tells both observers, {@code first} first. */
  static ToolSecretObserver both(ToolSecretObserver first, ToolSecretObserver second) {
    return new ToolSecretObserver() {
      @Override
      public void observed(ToolSecret toolSecret, ToolSecretStatus status) {
        first.observed(toolSecret, status);
        second.observed(toolSecret, status);
      }

      @Override
      public void unsealFailed(ToolSecret toolSecret, UnsealFailure failure) {
        first.unsealFailed(toolSecret, failure);
        second.unsealFailed(toolSecret, failure);
      }

      @Override
      public void deleted(ToolSecret toolSecret) {
        first.deleted(toolSecret);
        second.deleted(toolSecret);
      }

      @Override
      public void sourceWatch(String namespace, String problem, boolean open) {
        first.sourceWatch(namespace, problem, open);
        second.sourceWatch(namespace, problem, open);
      }
    };
  }
}
