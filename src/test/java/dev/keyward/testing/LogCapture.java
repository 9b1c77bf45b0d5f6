package dev.keyward.testing;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/**
 * Keeps a copy of everything written to standard output and error (where the operator's log lines
 * go) so tests can scan it for values that must never leave Secrets.
 */
public final class LogCapture {

  private static final ByteArrayOutputStream captured = new ByteArrayOutputStream();
  private static boolean installed;

  private LogCapture() {}

  public static synchronized void install() {
    if (installed) {
      return;
    }
    installed = true;
    System.setOut(new PrintStream(new Tee(System.out), true, StandardCharsets.UTF_8));
    System.setErr(new PrintStream(new Tee(System.err), true, StandardCharsets.UTF_8));
  }

  /** Adds a line to the capture only, as if it had been logged (for testing the scan). */
  static void record(String line) {
    synchronized (captured) {
      captured.writeBytes((line + "\n").getBytes(StandardCharsets.UTF_8));
    }
  }

  /** A position to read from later. */
  public static int mark() {
    synchronized (captured) {
      return captured.size();
    }
  }

  /** Everything written since {@code mark}. */
  public static String since(int mark) {
    synchronized (captured) {
      String all = captured.toString(StandardCharsets.UTF_8);
      return all.substring(Math.min(mark, all.length()));
    }
  }

  private static final class Tee extends OutputStream {
    private final OutputStream original;

    Tee(OutputStream original) {
      this.original = original;
    }

    @Override
    public void write(int b) {
      synchronized (captured) {
        captured.write(b);
      }
      try {
        original.write(b);
      } catch (java.io.IOException e) {
        // the original stream is gone: keep capturing
      }
    }

    @Override
    public void write(byte[] b, int off, int len) {
      synchronized (captured) {
        captured.write(b, off, len);
      }
      try {
        original.write(b, off, len);
      } catch (java.io.IOException e) {
        // the original stream is gone: keep capturing
      }
    }

    @Override
    public void flush() throws java.io.IOException {
      original.flush();
    }
  }
}
