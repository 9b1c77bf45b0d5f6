package dev.keyward.monitoring;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The part of PromQL Keyward's alert rules use, evaluated against scraped samples: selectors by
 * metric name, {@code time()}, numbers, {@code + - * /} with a scalar, the comparison filters
 * {@code < > <= >=}, {@code unless on(...)}, {@code sum(...)} and {@code increase(x[range])} (the
 * difference between the last and the first scrape). Anything else is refused, so a rule that grows
 * past this subset fails its test instead of being evaluated wrongly.
 */
final class PromQl {

  /** One scrape: series (name and labels) to value. */
  record Scrape(Map<Series, Double> samples) {

    private static final Pattern LINE =
        Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{(.*)\\})?\\s+(\\S+)$");
    private static final Pattern LABEL =
        Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\"");

    static Scrape parse(String text) {
      Map<Series, Double> samples = new LinkedHashMap<>();
      for (String line : text.split("\n")) {
        if (line.isBlank() || line.startsWith("#")) {
          continue;
        }
        Matcher m = LINE.matcher(line.trim());
        if (!m.matches()) {
          throw new IllegalArgumentException("not a sample line: " + line);
        }
        Map<String, String> labels = new TreeMap<>();
        if (m.group(3) != null) {
          Matcher l = LABEL.matcher(m.group(3));
          while (l.find()) {
            labels.put(l.group(1), l.group(2));
          }
        }
        samples.put(new Series(m.group(1), labels), Double.parseDouble(m.group(4)));
      }
      return new Scrape(samples);
    }

    /** The series of one metric, by labels. */
    Map<Map<String, String>, Double> metric(String name) {
      Map<Map<String, String>, Double> out = new LinkedHashMap<>();
      samples.forEach(
          (s, v) -> {
            if (s.name().equals(name)) {
              out.put(s.labels(), v);
            }
          });
      return out;
    }
  }

  record Series(String name, Map<String, String> labels) {}

  /** The metric names an expression reads. */
  static Set<String> metricNames(String expr) {
    String text =
        expr.replaceAll("\\b(?:on|by|without|ignoring)\\s*\\([^)]*\\)", " ")
            .replaceAll("\\[[^]]*]", " ")
            .replaceAll("\\{[^}]*}", " ")
            .replaceAll("\"[^\"]*\"", " ");
    Set<String> names = new TreeSet<>();
    Matcher m = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*").matcher(text);
    while (m.find()) {
      String word = m.group();
      boolean call = text.substring(m.end()).stripLeading().startsWith("(");
      if (!call && !Set.of("unless", "and", "or", "bool", "offset").contains(word)) {
        names.add(word);
      }
    }
    return names;
  }

  /** Label names an expression selects, groups or matches on ({@code {a=~..}}, {@code by (a)}). */
  static Set<String> labelsUsed(String expr) {
    Set<String> labels = new TreeSet<>(matchingLabels(expr));
    Matcher by = Pattern.compile("\\b(?:by|without)\\s*\\(([^)]*)\\)").matcher(expr);
    while (by.find()) {
      for (String l : by.group(1).split(",")) {
        labels.add(l.trim());
      }
    }
    Matcher selector = Pattern.compile("\\{([^}]*)}").matcher(expr);
    while (selector.find()) {
      Matcher name =
          Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)\\s*(?:=~|!~|!=|=)").matcher(selector.group(1));
      while (name.find()) {
        labels.add(name.group(1));
      }
    }
    return labels;
  }

  /** Label names an expression matches on ({@code on(a, b)}). */
  static Set<String> matchingLabels(String expr) {
    Set<String> labels = new TreeSet<>();
    Matcher m = Pattern.compile("\\bon\\s*\\(([^)]*)\\)").matcher(expr);
    while (m.find()) {
      for (String l : m.group(1).split(",")) {
        labels.add(l.trim());
      }
    }
    return labels;
  }

  /**
   * Evaluates {@code expr} at {@code timeSeconds} against {@code scrapes} (oldest first; the last
   * is "now"). Returns the series the alert would fire for (labels to value).
   */
  static Map<Map<String, String>, Double> eval(
      String expr, List<Scrape> scrapes, double timeSeconds) {
    Parser p = new Parser(expr, scrapes, timeSeconds);
    Object v = p.unless();
    p.expectEnd();
    if (v instanceof Double d) {
      return Map.of(Map.of(), d);
    }
    @SuppressWarnings("unchecked")
    Map<Map<String, String>, Double> vector = (Map<Map<String, String>, Double>) v;
    return vector;
  }

  private static final class Parser {
    private final List<String> tokens = new ArrayList<>();
    private final List<Scrape> scrapes;
    private final double time;
    private int at;

    Parser(String expr, List<Scrape> scrapes, double time) {
      Matcher m =
          Pattern.compile(
                  "\\s*([0-9]+(?:\\.[0-9]+)?|[a-zA-Z_:][a-zA-Z0-9_:]*|\\{[^}]*}|<=|>=|[-+*/<>(),\\[\\]])")
              .matcher(expr);
      int end = 0;
      while (m.find() && m.start() == end) {
        tokens.add(m.group(1));
        end = m.end();
      }
      if (!expr.substring(end).isBlank()) {
        throw new IllegalArgumentException("outside the evaluated subset: " + expr.substring(end));
      }
      this.scrapes = scrapes;
      this.time = time;
    }

    void expectEnd() {
      if (at != tokens.size()) {
        throw new IllegalArgumentException("unexpected " + tokens.get(at));
      }
    }

    private String peek() {
      return at < tokens.size() ? tokens.get(at) : "";
    }

    private String next() {
      return tokens.get(at++);
    }

    private void expect(String token) {
      if (!next().equals(token)) {
        throw new IllegalArgumentException("expected " + token + " at token " + (at - 1));
      }
    }

    Object unless() {
      Object left = comparison();
      while (peek().equals("unless")) {
        next();
        expect("on");
        expect("(");
        List<String> on = new ArrayList<>();
        while (!peek().equals(")")) {
          String label = next();
          if (!label.equals(",")) {
            on.add(label);
          }
        }
        expect(")");
        Map<Map<String, String>, Double> right = vector(comparison());
        Set<Map<String, String>> drop = new java.util.HashSet<>();
        right.keySet().forEach(l -> drop.add(project(l, on)));
        Map<Map<String, String>, Double> kept = new LinkedHashMap<>();
        vector(left)
            .forEach(
                (l, v) -> {
                  if (!drop.contains(project(l, on))) {
                    kept.put(l, v);
                  }
                });
        left = kept;
      }
      return left;
    }

    private static Map<String, String> project(Map<String, String> labels, List<String> on) {
      Map<String, String> p = new TreeMap<>();
      on.forEach(k -> p.put(k, labels.get(k)));
      return p;
    }

    Object comparison() {
      Object left = additive();
      String op = peek();
      if (List.of("<", ">", "<=", ">=").contains(op)) {
        next();
        Object right = additive();
        if (!(right instanceof Double r)) {
          throw new IllegalArgumentException("only vector-to-scalar comparisons are evaluated");
        }
        Map<Map<String, String>, Double> kept = new LinkedHashMap<>();
        vector(left)
            .forEach(
                (l, v) -> {
                  boolean holds =
                      switch (op) {
                        case "<" -> v < r;
                        case ">" -> v > r;
                        case "<=" -> v <= r;
                        default -> v >= r;
                      };
                  if (holds) {
                    kept.put(l, v);
                  }
                });
        return kept;
      }
      return left;
    }

    Object additive() {
      Object left = multiplicative();
      while (peek().equals("+") || peek().equals("-")) {
        String op = next();
        left = arithmetic(left, op, multiplicative());
      }
      return left;
    }

    Object multiplicative() {
      Object left = primary();
      while (peek().equals("*") || peek().equals("/")) {
        String op = next();
        left = arithmetic(left, op, primary());
      }
      return left;
    }

    Object primary() {
      String t = next();
      if (Character.isDigit(t.charAt(0))) {
        return Double.parseDouble(t);
      }
      if (t.equals("(")) {
        Object v = unless();
        expect(")");
        return v;
      }
      if (t.equals("time")) {
        expect("(");
        expect(")");
        return time;
      }
      if (t.equals("sum")) {
        expect("(");
        Map<Map<String, String>, Double> v = vector(unless());
        expect(")");
        return v.isEmpty()
            ? Map.of()
            : Map.of(Map.<String, String>of(), v.values().stream().mapToDouble(d -> d).sum());
      }
      if (t.equals("increase")) {
        expect("(");
        String name = next();
        expect("[");
        while (!next().equals("]")) {
          // the range: every scrape given counts as inside it
        }
        expect(")");
        Map<Map<String, String>, Double> last = scrapes.get(scrapes.size() - 1).metric(name);
        Map<Map<String, String>, Double> first = scrapes.get(0).metric(name);
        Map<Map<String, String>, Double> increase = new LinkedHashMap<>();
        last.forEach((l, v) -> increase.put(l, v - first.getOrDefault(l, 0.0)));
        return increase;
      }
      if (peek().equals("(")) {
        throw new IllegalArgumentException("function outside the evaluated subset: " + t);
      }
      Map<Map<String, String>, Double> series = scrapes.get(scrapes.size() - 1).metric(t);
      if (peek().startsWith("{")) {
        // Only equality matchers: label="value", comma-separated.
        Map<String, String> wanted = new LinkedHashMap<>();
        Matcher m =
            Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)\\s*=\\s*\"([^\"]*)\"").matcher(next());
        while (m.find()) {
          wanted.put(m.group(1), m.group(2));
        }
        Map<Map<String, String>, Double> kept = new LinkedHashMap<>();
        series.forEach(
            (labels, v) -> {
              if (labels.entrySet().containsAll(wanted.entrySet())) {
                kept.put(labels, v);
              }
            });
        return kept;
      }
      return series;
    }

    private static Object arithmetic(Object left, String op, Object right) {
      if (left instanceof Double l && right instanceof Double r) {
        return apply(l, op, r);
      }
      Map<Map<String, String>, Double> out = new LinkedHashMap<>();
      if (left instanceof Double l) {
        vector(right).forEach((labels, r) -> out.put(labels, apply(l, op, r)));
      } else if (right instanceof Double r) {
        vector(left).forEach((labels, l) -> out.put(labels, apply(l, op, r)));
      } else {
        throw new IllegalArgumentException("vector-to-vector arithmetic is not evaluated");
      }
      return out;
    }

    private static double apply(double l, String op, double r) {
      return switch (op) {
        case "+" -> l + r;
        case "-" -> l - r;
        case "*" -> l * r;
        default -> l / r;
      };
    }

    @SuppressWarnings("unchecked")
    private static Map<Map<String, String>, Double> vector(Object v) {
      if (v instanceof Map<?, ?> m) {
        return (Map<Map<String, String>, Double>) m;
      }
      throw new IllegalArgumentException("expected a vector, got the scalar " + v);
    }
  }
}
