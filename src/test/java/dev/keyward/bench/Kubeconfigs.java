package dev.keyward.bench;

import io.fabric8.kubernetes.api.model.NamedAuthInfoBuilder;
import io.fabric8.kubernetes.api.model.NamedClusterBuilder;
import io.fabric8.kubernetes.api.model.NamedContextBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;

/**
 * A kubeconfig for a client {@link Config}: the server, how to trust it, and the same credentials
 * (client certificate and key, or a token), so a child process reaches the API server as the
 * benchmark's own client does.
 */
final class Kubeconfigs {

  private Kubeconfigs() {}

  static String of(Config config) {
    var cluster = new NamedClusterBuilder().withName("bench").withNewCluster();
    cluster.withServer(config.getMasterUrl());
    String ca = data(config.getCaCertData(), config.getCaCertFile());
    if (config.isTrustCerts() || ca == null) {
      cluster.withInsecureSkipTlsVerify(true);
    } else {
      cluster.withCertificateAuthorityData(ca);
    }
    var user = new NamedAuthInfoBuilder().withName("bench").withNewUser();
    String cert = data(config.getClientCertData(), config.getClientCertFile());
    String key = data(config.getClientKeyData(), config.getClientKeyFile());
    if (cert != null && key != null) {
      user.withClientCertificateData(cert).withClientKeyData(key);
    }
    // An explicit token, or the one fabric8 read from a kubeconfig.
    String token =
        config.getOauthToken() != null ? config.getOauthToken() : config.getAutoOAuthToken();
    if (token != null) {
      user.withToken(token);
    }
    io.fabric8.kubernetes.api.model.Config kubeconfig =
        new io.fabric8.kubernetes.api.model.ConfigBuilder()
            .withApiVersion("v1")
            .withKind("Config")
            .withClusters(cluster.endCluster().build())
            .withUsers(user.endUser().build())
            .withContexts(
                new NamedContextBuilder()
                    .withName("bench")
                    .withNewContext()
                    .withCluster("bench")
                    .withUser("bench")
                    .endContext()
                    .build())
            .withCurrentContext("bench")
            .build();
    return Serialization.asYaml(kubeconfig);
  }

  /** Base64 PEM from the inline data or, failing that, the file it names; null for neither. */
  private static String data(String inline, String file) {
    if (inline != null && !inline.isBlank()) {
      return inline;
    }
    if (file == null || file.isBlank()) {
      return null;
    }
    try {
      return Base64.getEncoder().encodeToString(Files.readAllBytes(Path.of(file)));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
