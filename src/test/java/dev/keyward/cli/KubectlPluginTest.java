package dev.keyward.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code bin/kubectl-keyward} finds the jar (KEYWARD_JAR, beside the real file even through a link
 * on PATH) and hands every argument to {@code java -jar}. A stand-in {@code java} prints what it
 * was given, so the test needs no built jar.
 */
class KubectlPluginTest {

  static final Path SCRIPT = Path.of("bin", "kubectl-keyward");

  @TempDir Path dir;
  Path fakeJava;

  record Result(int code, List<String> out, String err) {}

  @BeforeEach
  void standInJava() throws IOException {
    fakeJava = dir.resolve("fake-java");
    Files.createDirectories(fakeJava);
    executable(fakeJava.resolve("java"), "#!/bin/sh\nprintf '%s\\n' \"$@\"\n");
  }

  static void executable(Path file, String content) throws IOException {
    Files.writeString(file, content);
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
  }

  Result run(Map<String, String> env, String path, String... command) throws Exception {
    ProcessBuilder pb = new ProcessBuilder(command);
    pb.environment().remove("KEYWARD_JAR");
    pb.environment().putAll(env);
    pb.environment().put("PATH", path + File.pathSeparator + System.getenv("PATH"));
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
    return new Result(p.exitValue(), out.lines().toList(), err);
  }

  @Test
  void passesEveryArgumentToTheJarNamedByKeywardJar() throws Exception {
    Path jar = dir.resolve("somewhere/keyward.jar");
    Files.createDirectories(jar.getParent());
    Files.writeString(jar, "jar");
    Result r =
        run(
            Map.of("KEYWARD_JAR", jar.toString()),
            fakeJava.toString(),
            "sh",
            SCRIPT.toString(),
            "status",
            "apikey",
            "research-agent",
            "-n",
            "agents");
    assertThat(r.code()).as(r.err()).isZero();
    List<String> args = r.out();
    int at = args.indexOf("-jar");
    assertThat(at).isGreaterThanOrEqualTo(0);
    assertThat(args.subList(at, args.size()))
        .containsExactly(
            "-jar", jar.toString(), "status", "apikey", "research-agent", "-n", "agents");
  }

  @Test
  void kubectlFindsThePluginThroughALinkAndItFindsTheJarBesideTheRealFile() throws Exception {
    Path install = dir.resolve("opt/keyward");
    Files.createDirectories(install);
    executable(install.resolve("kubectl-keyward"), Files.readString(SCRIPT));
    Files.writeString(install.resolve("keyward.jar"), "jar");
    Path onPath = dir.resolve("bin");
    Files.createDirectories(onPath);
    Files.createSymbolicLink(onPath.resolve("kubectl-keyward"), install.resolve("kubectl-keyward"));
    String path = fakeJava + File.pathSeparator + onPath;

    List<String> command = new ArrayList<>();
    if (onPath(List.of(System.getenv("PATH").split(File.pathSeparator)), "kubectl")) {
      command.addAll(List.of("kubectl", "keyward"));
    } else {
      command.add(onPath.resolve("kubectl-keyward").toString());
    }
    command.addAll(List.of("revoke", "ts", "linear-token"));
    Result r = run(Map.of(), path, command.toArray(String[]::new));
    assertThat(r.code()).as(r.err()).isZero();
    List<String> args = r.out();
    assertThat(args.subList(args.indexOf("-jar"), args.size()))
        .containsExactly(
            "-jar",
            install.toRealPath().resolve("keyward.jar").toString(),
            "revoke",
            "ts",
            "linear-token");
  }

  @Test
  void withoutAJarItSaysHowToGetOne() throws Exception {
    Path lonely = dir.resolve("lonely");
    Files.createDirectories(lonely);
    executable(lonely.resolve("kubectl-keyward"), Files.readString(SCRIPT));
    Result r =
        run(Map.of(), fakeJava.toString(), "sh", lonely.resolve("kubectl-keyward").toString());
    assertThat(r.code()).isEqualTo(127);
    assertThat(r.err()).contains("no keyward.jar").contains("./mvnw -B -DskipTests package");
    assertThat(r.out()).isEmpty();
  }

  private static boolean onPath(List<String> path, String program) {
    return path.stream().anyMatch(d -> Files.isExecutable(Path.of(d, program)));
  }
}
