package dev.keyward.runtime;

import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.Plural;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Build step after fabric8's crd-generator, which sorts printer columns by JSON path: puts each
 * CRD's {@code additionalPrinterColumns} back in the order the model class declares its {@link
 * AdditionalPrinterColumn} annotations, so {@code kubectl get} shows Display name first and Age
 * last. Works on the generated text, so the generator's formatting is kept as it is.
 *
 * <p>Arguments: the directory holding the generated CRDs, then the custom resource classes.
 */
public final class CrdColumnOrder {

  private static final String COLUMNS = "additionalPrinterColumns:";

  private CrdColumnOrder() {}

  public static void main(String[] args) throws IOException, ClassNotFoundException {
    Path dir = Path.of(args[0]);
    for (int i = 1; i < args.length; i++) {
      Class<?> type = Class.forName(args[i]);
      Path file =
          dir.resolve(
              type.getAnnotation(Plural.class).value()
                  + "."
                  + type.getAnnotation(Group.class).value()
                  + "-v1.yml");
      List<String> order = new ArrayList<>();
      for (AdditionalPrinterColumn column :
          type.getAnnotationsByType(AdditionalPrinterColumn.class)) {
        order.add(column.name());
      }
      String text = Files.readString(file, StandardCharsets.UTF_8);
      Files.writeString(file, reorder(text, order), StandardCharsets.UTF_8);
    }
  }

  /**
   * Returns {@code crd} with the items of every {@code additionalPrinterColumns} list in the order
   * of {@code names}; a column not named keeps its place after the named ones.
   */
  public static String reorder(String crd, List<String> names) {
    String[] lines = crd.split("\n", -1);
    List<String> out = new ArrayList<>();
    int i = 0;
    while (i < lines.length) {
      String line = lines[i];
      out.add(line);
      i++;
      if (!line.trim().endsWith(COLUMNS)) {
        continue;
      }
      int itemIndent = indentOfItems(lines, i);
      List<List<String>> items = new ArrayList<>();
      while (i < lines.length && isPartOfList(lines[i], itemIndent)) {
        if (lines[i].startsWith(" ".repeat(itemIndent) + "- ")) {
          items.add(new ArrayList<>());
        }
        items.get(items.size() - 1).add(lines[i]);
        i++;
      }
      Map<String, List<String>> byName = new LinkedHashMap<>();
      for (List<String> item : items) {
        byName.put(nameOf(item), item);
      }
      for (String name : names) {
        List<String> item = byName.remove(name);
        if (item != null) {
          out.addAll(item);
        }
      }
      byName.values().forEach(out::addAll);
    }
    return String.join("\n", out);
  }

  private static int indentOfItems(String[] lines, int from) {
    String first = lines[from];
    return first.length() - first.stripLeading().length();
  }

  private static boolean isPartOfList(String line, int itemIndent) {
    String pad = " ".repeat(itemIndent);
    return line.startsWith(pad + "- ") || line.startsWith(pad + "  ");
  }

  private static String nameOf(List<String> item) {
    for (String line : item) {
      String field = line.trim();
      if (field.startsWith("- ")) {
        field = field.substring(2);
      }
      if (field.startsWith("name: ")) {
        String value = field.substring("name: ".length()).trim();
        return value.startsWith("\"") ? value.substring(1, value.length() - 1) : value;
      }
    }
    return "";
  }
}
