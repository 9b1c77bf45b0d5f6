package dev.keyward.apikey;

/**
 * Receives what the ApiKey controller sees and does, for metrics and follow-up work such as
 * restarting workloads after a rotation. Implementations must not block and must never see a key.
 */
public interface ApiKeyObserver {

  ApiKeyObserver NONE = new ApiKeyObserver() {};

  /** Called after each reconcile with the status the ApiKey now has (or is about to have). */
  default void observed(ApiKey key, ApiKeyStatus status) {}

  /** Called once per change the controller made to the key material. */
  default void changed(ApiKey key, RotationPlan.Change change) {}

  /** Tells both observers, {@code first} first. */
  static ApiKeyObserver both(ApiKeyObserver first, ApiKeyObserver second) {
    return new ApiKeyObserver() {
      @Override
      public void observed(ApiKey key, ApiKeyStatus status) {
        first.observed(key, status);
        second.observed(key, status);
      }

      @Override
      public void changed(ApiKey key, RotationPlan.Change change) {
        first.changed(key, change);
        second.changed(key, change);
      }
    };
  }
}
