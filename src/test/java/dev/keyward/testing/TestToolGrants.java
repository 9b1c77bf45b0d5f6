package dev.keyward.testing;

import dev.keyward.toolgrant.ToolGrant;
import dev.keyward.toolgrant.ToolGrantSpec;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/** ToolGrant objects for tests, with only what a test says set. */
public final class TestToolGrants {

  private TestToolGrants() {}

  public static ToolGrant toolGrant(String name, Consumer<ToolGrantSpec> spec) {
    ToolGrant grant = new ToolGrant();
    grant.setMetadata(new ObjectMetaBuilder().withName(name).build());
    ToolGrantSpec s = new ToolGrantSpec();
    s.setTools(new ArrayList<>());
    spec.accept(s);
    grant.setSpec(s);
    return grant;
  }

  /** An entry: tool, arg and env (null for the default). */
  public static ToolGrantSpec.Entry entry(String tool, String arg, String env) {
    return new ToolGrantSpec.Entry(tool, arg, env, null);
  }

  /** An entry pinned to one ToolSecret. */
  public static ToolGrantSpec.Entry pinned(String tool, String arg, String env, String toolSecret) {
    return new ToolGrantSpec.Entry(tool, arg, env, toolSecret);
  }

  public static Consumer<ToolGrantSpec> tools(ToolGrantSpec.Entry... entries) {
    return s -> s.setTools(new ArrayList<>(List.of(entries)));
  }
}
