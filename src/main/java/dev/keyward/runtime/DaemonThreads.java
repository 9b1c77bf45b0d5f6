package dev.keyward.runtime;

import java.util.concurrent.ThreadFactory;

/** Named daemon threads, so Keyward's helpers never keep the JVM from exiting. */
final class DaemonThreads {

  private DaemonThreads() {}

  static ThreadFactory named(String name) {
    return r -> {
      Thread t = new Thread(r, name);
      t.setDaemon(true);
      return t;
    };
  }
}
