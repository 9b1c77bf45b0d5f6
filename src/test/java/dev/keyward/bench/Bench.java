package dev.keyward.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.results.format.ResultFormatType;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.OptionsBuilder;

/**
 * Entry point of {@code ./mvnw -B -Pbench verify}: runs the benchmarks, prints a table and writes
 * the figures under {@code target/bench/}. A benchmark prints figures; it does not pass or fail.
 */
public final class Bench {

  private Bench() {}

  /**
   * {@code -Dkeyward.bench.part=operator} runs P1-P4 alone, in a JVM started with the operator
   * Deployment's flags; {@code rest} runs the verifier (P6-P8) and JMH (P5) in a JVM with the
   * defaults the verifier runs with, and collects every figure. The bench profile starts one JVM of
   * each; {@code -Dkeyward.bench.only=operator|verifier|ratelimit|grants|console} skips the other
   * benchmarks.
   */
  public static void main(String[] args) throws Exception {
    Path out = Path.of(args.length > 0 ? args[0] : "target/bench");
    Files.createDirectories(out);
    int keys = Integer.getInteger("keyward.bench.keys", 10_000);
    String only = System.getProperty("keyward.bench.only", "");
    String part = System.getProperty("keyward.bench.part", "operator");
    if (part.equals("operator")) {
      if (only.isEmpty() || only.equals("operator")) {
        Map<String, Object> operator = OperatorBench.run(keys, out);
        System.out.printf(
            "%nP1-P4 operator (%d keys, %s API server)%n", keys, operator.get("backend"));
        operator.forEach((k, v) -> System.out.printf("  %-36s %s%n", k, v));
        Files.writeString(
            out.resolve("operator.json"),
            io.fabric8.kubernetes.client.utils.Serialization.asJson(operator));
      }
      if (only.isEmpty() || only.equals("grants")) {
        int grants = Integer.getInteger("keyward.bench.grants", 1000);
        Map<String, Object> p10 = GrantBench.run(grants, out);
        System.out.printf(
            "%nP10 grants (%d grants re-sealed, %s API server)%n", grants, p10.get("backend"));
        p10.forEach((k, v) -> System.out.printf("  %-36s %s%n", k, v));
        Files.writeString(
            out.resolve("grants.json"),
            io.fabric8.kubernetes.client.utils.Serialization.asJson(p10));
      }
      // The in-process API server and informers keep non-daemon threads alive.
      System.exit(0);
    }
    if (only.isEmpty() || only.equals("verifier")) {
      Map<String, Object> verifier = VerifierBench.run(keys, out);
      System.out.printf("%nP6-P8 verifier (%d keys, mock API server)%n", keys);
      verifier.forEach((k, v) -> System.out.printf("  %-36s %s%n", k, v));
      Files.writeString(
          out.resolve("verifier.json"),
          io.fabric8.kubernetes.client.utils.Serialization.asJson(verifier));
    }
    if (only.isEmpty() || only.equals("ratelimit")) {
      Map<String, Object> limits = RateLimitBench.run(keys, out);
      System.out.printf("%nP11 rate limits in a shared store (redis-server on this machine)%n");
      limits.forEach((k, v) -> System.out.printf("  %-36s %s%n", k, v));
      Files.writeString(
          out.resolve("ratelimit.json"),
          io.fabric8.kubernetes.client.utils.Serialization.asJson(limits));
    }
    if (only.isEmpty() || only.equals("console")) {
      Map<String, Object> console = ConsoleBench.run(keys, out);
      System.out.printf(
          "%nC1 console (%d keys, the console in a %d MB heap)%n", keys, ConsoleBench.HEAP_MB);
      console.forEach((k, v) -> System.out.printf("  %-36s %s%n", k, v));
      Files.writeString(
          out.resolve("console.json"),
          io.fabric8.kubernetes.client.utils.Serialization.asJson(console));
    }
    if (!only.isEmpty() || Boolean.getBoolean("keyward.bench.skipJmh")) {
      System.exit(0);
    }
    String operator =
        Files.exists(out.resolve("operator.json"))
            ? Files.readString(out.resolve("operator.json"))
            : "null";
    Collection<RunResult> results =
        new Runner(
                new OptionsBuilder()
                    .include(CryptoBenchmark.class.getSimpleName())
                    .include(DecodeBenchmark.class.getSimpleName())
                    .result(out.resolve("crypto-jmh.json").toString())
                    .resultFormat(ResultFormatType.JSON)
                    .build())
            .run();

    Map<String, Double> score = new LinkedHashMap<>();
    Map<String, Double> decode = new LinkedHashMap<>();
    for (RunResult r : results) {
      String benchmark = r.getParams().getBenchmark().replaceAll(".*\\.", "");
      String client = r.getParams().getParam("client");
      if (client != null) {
        decode.put(benchmark + "/" + client, r.getPrimaryResult().getScore());
      } else {
        score.put(
            benchmark + "/" + r.getParams().getParam("valueSize"), r.getPrimaryResult().getScore());
      }
    }
    StringBuilder table = new StringBuilder();
    table.append(
        String.format(
            "%nP5 crypto (operations per second, %s, %d cores)%n",
            System.getProperty("java.vm.name") + " " + System.getProperty("java.version"),
            Runtime.getRuntime().availableProcessors()));
    score.forEach((k, v) -> table.append(String.format("  %-44s %,14.0f%n", k, v)));
    StringBuilder json =
        new StringBuilder("{\n  \"operator\": ").append(operator).append(",\n  \"p5\": {\n");
    int i = 0;
    for (var e : score.entrySet()) {
      json.append(
          String.format(
              "    \"%s\": %.1f%s%n", e.getKey(), e.getValue(), ++i < score.size() ? "," : ""));
    }
    json.append("  },\n  \"p5_ratio_hpke_over_rsa\": {\n");
    String[] sizes = {"40", "1024"};
    for (int s = 0; s < sizes.length; s++) {
      Double hpke = score.get("keywardHpkeUnseal/" + sizes[s]);
      Double rsa = score.get("sealedSecretsRsaOaepAesGcmUnseal/" + sizes[s]);
      double ratio = hpke == null || rsa == null ? Double.NaN : hpke / rsa;
      table.append(
          String.format("  HPKE / RSA-4096-OAEP unseal, %4s-byte value: %.1fx%n", sizes[s], ratio));
      json.append(
          String.format("    \"%s\": %.2f%s%n", sizes[s], ratio, s + 1 < sizes.length ? "," : ""));
    }
    json.append("  },\n  \"decode_us_per_key\": {\n");
    table.append(
        String.format(
            "%nDecoding one key's two watch events as a real API server sends them (µs, C1)%n"));
    int d = 0;
    for (var e : decode.entrySet()) {
      table.append(String.format("  %-44s %14.2f%n", e.getKey(), e.getValue()));
      json.append(
          String.format(
              "    \"%s\": %.2f%s%n", e.getKey(), e.getValue(), ++d < decode.size() ? "," : ""));
    }
    json.append("  }\n}\n");
    System.out.print(table);
    Files.writeString(out.resolve("results.json"), json.toString());
    System.out.println("Figures written to " + out.resolve("results.json"));
    // The in-process API server and informers keep non-daemon threads alive.
    System.exit(0);
  }
}
