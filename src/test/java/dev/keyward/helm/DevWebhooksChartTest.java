package dev.keyward.helm;

import static dev.keyward.helm.HelmChartTest.template;
import static org.assertj.core.api.Assertions.assertThat;

import dev.keyward.dev.DevWebhooks;
import dev.keyward.helm.HelmChartTest.Rendered;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.MutatingWebhook;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.MutatingWebhookBuilder;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.MutatingWebhookConfiguration;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.ValidatingWebhook;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.ValidatingWebhookBuilder;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.ValidatingWebhookConfiguration;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code keyward dev}'s webhook configurations are the chart's (default values, rendered by Helm):
 * the same names, paths, rules, failure policies, timeouts and namespace selector, only called at
 * {@code https://127.0.0.1:<port>} instead of through the Service. The rules come from one file for
 * both; this test catches any other drift.
 */
class DevWebhooksChartTest {

  static final String URL = "https://127.0.0.1:40443";
  static final String CA = "Y2E=";

  @TempDir static Path tmp;

  static Rendered defaults;

  @BeforeAll
  static void render() throws IOException {
    HelmChartTest.tmp = tmp;
    defaults = Rendered.of(template(Map.of()));
  }

  @Test
  void theCreatedByWebhookIsTheChartsCalledOnLoopback() {
    MutatingWebhookConfiguration chart = defaults.one(MutatingWebhookConfiguration.class);
    MutatingWebhookConfiguration dev =
        DevWebhooks.mutating(URL + "/mutate", CA, HelmChartTest.NAMESPACE);
    assertThat(dev.getMetadata().getName()).isEqualTo(chart.getMetadata().getName());
    assertThat(dev.getWebhooks()).hasSameSizeAs(chart.getWebhooks()).hasSize(1);
    MutatingWebhook chartHook = chart.getWebhooks().get(0);
    MutatingWebhook devHook = dev.getWebhooks().get(0);
    assertThat(URI.create(devHook.getClientConfig().getUrl()).getPath())
        .isEqualTo(chartHook.getClientConfig().getService().getPath());
    assertThat(devHook.getClientConfig().getCaBundle()).isEqualTo(CA);
    assertThat(devHook.getRules()).isNotEmpty();
    assertThat(new MutatingWebhookBuilder(devHook).withClientConfig(null).build())
        .isEqualTo(new MutatingWebhookBuilder(chartHook).withClientConfig(null).build());
  }

  @Test
  void theScopeWebhookIsTheChartsCalledOnLoopback() {
    ValidatingWebhookConfiguration chart = defaults.one(ValidatingWebhookConfiguration.class);
    ValidatingWebhookConfiguration dev =
        DevWebhooks.validating(URL + "/validate-scopes", CA, HelmChartTest.NAMESPACE);
    assertThat(dev.getMetadata().getName()).isEqualTo(chart.getMetadata().getName());
    assertThat(dev.getWebhooks()).hasSameSizeAs(chart.getWebhooks()).hasSize(1);
    ValidatingWebhook chartHook = chart.getWebhooks().get(0);
    ValidatingWebhook devHook = dev.getWebhooks().get(0);
    assertThat(URI.create(devHook.getClientConfig().getUrl()).getPath())
        .isEqualTo(chartHook.getClientConfig().getService().getPath());
    assertThat(devHook.getRules()).isNotEmpty();
    assertThat(new ValidatingWebhookBuilder(devHook).withClientConfig(null).build())
        .isEqualTo(new ValidatingWebhookBuilder(chartHook).withClientConfig(null).build());
  }
}
