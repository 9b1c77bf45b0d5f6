package dev.keyward.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Stream;

/**
 * This JVM's CPU time split by thread group (GC, JIT compiler, HTTP event loop, reconcilers, ...),
 * read from Linux's {@code /proc/self/task}. A sampling profiler sees only Java threads; this also
 * shows what garbage collection and compilation cost. Empty where there is no {@code /proc}.
 */
final class ThreadCpu {

  /** Clock ticks per second of {@code /proc/<pid>/task/<tid>/stat}; 100 on every Linux we run. */
  private static final double TICKS_PER_MS = 0.1;

  private ThreadCpu() {}

  /** Group name under which {@link #byGroup} also sums the kernel (system) time of all threads. */
  static final String KERNEL = "(of all: in the kernel)";

  /** CPU ticks used so far by live threads, summed by thread group, plus {@link #KERNEL}. */
  static Map<String, Long> byGroup() {
    Map<String, Long> ticks = new HashMap<>();
    try (Stream<Path> tasks = Files.list(Path.of("/proc/self/task"))) {
      tasks.forEach(
          task -> {
            try {
              String comm = Files.readString(task.resolve("comm")).strip();
              String stat = Files.readString(task.resolve("stat"));
              // Fields after the parenthesised name: state is field 3, utime 14, stime 15.
              String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
              long kernel = Long.parseLong(fields[12]);
              ticks.merge(group(comm), Long.parseLong(fields[11]) + kernel, Long::sum);
              ticks.merge(KERNEL, kernel, Long::sum);
            } catch (IOException | RuntimeException e) {
              // the thread ended while we read it
            }
          });
    } catch (IOException e) {
      return Map.of();
    }
    return ticks;
  }

  /** Milliseconds per key each group used since {@code start}, largest first. */
  static Map<String, Double> since(Map<String, Long> start, int n) {
    Map<String, Long> now = byGroup();
    Map<String, Double> perKey = new LinkedHashMap<>();
    now.entrySet().stream()
        .map(e -> Map.entry(e.getKey(), e.getValue() - start.getOrDefault(e.getKey(), 0L)))
        .filter(e -> e.getValue() > 0)
        .sorted(Map.Entry.<String, Long>comparingByValue().reversed())
        .forEach(
            e ->
                perKey.put(
                    e.getKey(), Math.round(100.0 * e.getValue() / TICKS_PER_MS / n) / 100.0));
    return perKey;
  }

  private static String group(String comm) {
    if (comm.startsWith("GC Thread") || comm.startsWith("G1 ") || comm.startsWith("VM Thread")) {
      return "gc+vm";
    }
    if (comm.startsWith("C1 ") || comm.startsWith("C2 ")) {
      return "jit";
    }
    if (comm.startsWith("vert.x-eventloo")) {
      return "http-event-loop";
    }
    return comm.replaceAll("\\d+", "#");
  }
}
