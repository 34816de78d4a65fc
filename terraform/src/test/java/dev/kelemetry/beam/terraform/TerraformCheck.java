package dev.kelemetry.beam.terraform;

import com.bertramlabs.plugins.hcl4j.HCLParserException;
import com.bertramlabs.plugins.hcl4j.HclSyntaxTree;
import com.bertramlabs.plugins.hcl4j.RuntimeSymbols.ComputedObject;
import com.bertramlabs.plugins.hcl4j.RuntimeSymbols.ComputedTuple;
import com.bertramlabs.plugins.hcl4j.RuntimeSymbols.Function;
import com.bertramlabs.plugins.hcl4j.RuntimeSymbols.Operator;
import com.bertramlabs.plugins.hcl4j.RuntimeSymbols.StringInterpolatedExpression;
import com.bertramlabs.plugins.hcl4j.RuntimeSymbols.Variable;
import com.bertramlabs.plugins.hcl4j.RuntimeSymbols.VariableTree;
import com.bertramlabs.plugins.hcl4j.symbols.HCLArray;
import com.bertramlabs.plugins.hcl4j.symbols.HCLAttribute;
import com.bertramlabs.plugins.hcl4j.symbols.HCLBlock;
import com.bertramlabs.plugins.hcl4j.symbols.HCLValue;
import com.bertramlabs.plugins.hcl4j.symbols.Symbol;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * The offline checks of {@code terraform/}: what {@code terraform validate} would catch without providers, and what
 * only this project knows (that the tables are the pipeline's). Each directory holding {@code .tf} files is one
 * Terraform module. {@link #run} returns every problem found, one line each, naming the file and line.
 *
 * <ul>
 *   <li>every {@code .tf} file parses (hcl4j), and its top level is Terraform blocks with values;
 *   <li>every {@code var.X}, {@code local.X}, {@code module.X[.OUTPUT]}, {@code data.T.N} and resource reference
 *       {@code T.N} names something declared in the same module (an output of the called module), and every
 *       {@code file()} with a literal path names a file that exists;
 *   <li>a module call passes only variables the called module declares, and every one it declares without default;
 *       a {@code *.tfvars.example} sets only the root's variables, and every required one;
 *   <li>every {@code google_bigquery_table} is one the pipeline writes, built from {@code file()} of that table's own
 *       schema file in {@link #SCHEMAS_DIR} (not a copy), whose columns are the pipeline's, partitioned by day on the
 *       pipeline's field and clustered on its columns;
 *   <li>when {@code deploy/flex-template/metadata.json} exists, a Flex Template job passes only parameters it
 *       declares, and every one it requires.
 * </ul>
 *
 * <p>What hcl4j does not do, and so neither does this: it accepts some malformed text (an attribute with no value, a
 * block never closed at the end of a file turns into stray attributes), which the block checks below catch only
 * partly; and it does not evaluate, so a table's {@code table_id} or schema path built from a variable is reported as
 * unreadable rather than followed. {@code terraform fmt -check} (run by a test where the binary exists) parses with
 * Terraform's own parser.
 */
final class TerraformCheck {
  /** Where the schema files the pipeline loads ({@code Rows.tableSchema}) live in the source tree. */
  static final String SCHEMAS_DIR = "schemas/src/main/resources/bigquery";
  /** The Flex Template's parameter declarations (the template packaging's, in deploy/). */
  static final String TEMPLATE_METADATA = "deploy/flex-template/metadata.json";

  /** A table as the pipeline creates it: day-partitioned on {@code partitionField} (null: ingestion time). */
  record Table(String name, String partitionField, List<String> clustering, List<Column> columns) {}

  /** A column of a table schema; {@code mode} NULLABLE when the schema leaves it out. */
  record Column(String name, String type, String mode, List<Column> fields) {
    /** BigQuery's legacy and standard SQL names for a type are one type. */
    Column {
      type = TYPE_SYNONYMS.getOrDefault(type, type);
    }

    @Override
    public String toString() {
      return name + " " + type + " " + mode + (fields.isEmpty() ? "" : " " + fields);
    }
  }

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Set<String> TOP_LEVEL = Set.of("terraform", "variable", "locals", "resource", "data", "module",
      "output", "provider", "moved", "import", "check", "removed");
  /** Names Terraform itself defines inside expressions. */
  private static final Set<String> BUILT_IN = Set.of("path", "count", "each", "self", "terraform");
  /** Module-call arguments that are not inputs. */
  private static final Set<String> MODULE_META = Set.of("source", "version", "providers", "count", "for_each",
      "depends_on");
  /** Attributes whose value names providers or attributes, not values (a variable's type is handled apart). */
  private static final Set<String> NOT_EXPRESSIONS = Set.of("provider", "providers", "ignore_changes");
  private static final Map<String, String> TYPE_SYNONYMS = Map.of("INT64", "INTEGER", "FLOAT64", "FLOAT", "BOOL",
      "BOOLEAN", "STRUCT", "RECORD");

  private final Path root;
  private final Map<String, Table> pipelineTables;
  private final List<String> problems = new ArrayList<>();

  /**
   * @param root the repository root (holding {@code terraform/} and {@link #SCHEMAS_DIR})
   * @param pipelineTables the tables the pipeline writes, by name, as it creates them
   */
  TerraformCheck(Path root, Map<String, Table> pipelineTables) {
    this.root = root.toAbsolutePath().normalize();
    this.pipelineTables = pipelineTables;
  }

  List<String> run() {
    Map<Path, Module> modules = new TreeMap<>();
    for (Path dir : moduleDirs()) {
      modules.put(dir, load(dir));
    }
    Set<String> tablesDeclared = new LinkedHashSet<>();
    for (Module module : modules.values()) {
      checkReferences(module, modules);
      checkModuleCalls(module, modules);
      checkExampleVars(module);
      tablesDeclared.addAll(checkTables(module));
      checkTemplateParameters(module);
    }
    for (String table : pipelineTables.keySet()) {
      if (!tablesDeclared.contains(table)) {
        problems.add("terraform/: no google_bigquery_table for the pipeline's table " + table);
      }
    }
    return problems;
  }

  // --- Loading ------------------------------------------------------------------------------------------------------

  /** A parsed file: its top-level symbols. */
  private record Source(Path file, List<Symbol> symbols) {}

  /** One directory of .tf files and what it declares. */
  private static final class Module {
    final Path dir;
    final List<Source> sources = new ArrayList<>();
    final Map<String, Boolean> variables = new LinkedHashMap<>(); // name -> has a default
    final Set<String> locals = new LinkedHashSet<>();
    final Map<String, Symbol> localValues = new LinkedHashMap<>();
    final Set<String> resources = new LinkedHashSet<>(); // TYPE.NAME
    final Set<String> data = new LinkedHashSet<>(); // TYPE.NAME
    final Map<String, HCLBlock> calls = new LinkedHashMap<>(); // module name -> its block
    final Set<String> outputs = new LinkedHashSet<>();

    Module(Path dir) {
      this.dir = dir;
    }
  }

  private List<Path> moduleDirs() {
    try (Stream<Path> files = Files.walk(root.resolve("terraform"))) {
      return files.filter(f -> f.toString().endsWith(".tf") && !skipped(f)).map(Path::getParent).distinct().sorted()
          .toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** terraform init's downloads and Maven's output are not the project's code. */
  private boolean skipped(Path file) {
    Path rel = root.relativize(file);
    for (Path part : rel) {
      if (part.toString().equals(".terraform") || part.toString().equals("target")) {
        return true;
      }
    }
    return false;
  }

  private Module load(Path dir) {
    Module module = new Module(dir);
    List<Path> files;
    try (Stream<Path> list = Files.list(dir)) {
      files = list.filter(f -> f.toString().endsWith(".tf")).sorted().toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    for (Path file : files) {
      List<Symbol> symbols = parse(file);
      if (symbols == null) {
        continue;
      }
      module.sources.add(new Source(file, symbols));
      for (Symbol s : symbols) {
        declare(module, file, s);
      }
    }
    return module;
  }

  /** The file's symbols, or null after reporting why it does not parse. */
  private List<Symbol> parse(Path file) {
    try {
      String text = Files.readString(file);
      String unbalanced = unbalanced(text);
      if (unbalanced != null) {
        problems.add(where(file, null) + " does not parse: " + unbalanced);
        return null;
      }
      return HclSyntaxTree.parse(text);
    } catch (HCLParserException | RuntimeException e) {
      problems.add(where(file, null) + " does not parse: " + e.getMessage().strip());
      return null;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Where the braces, brackets and parentheses of a file do not pair up, outside strings, comments and heredocs; null
   * when they do. hcl4j's lexer accepts a block left open at the end of a file (it just ends the tree there), so this
   * is checked before it.
   */
  static String unbalanced(String text) {
    java.util.ArrayDeque<int[]> open = new java.util.ArrayDeque<>(); // {closing char, line}; '"' for a string
    int line = 1;
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c == '\n') {
        line++;
      }
      boolean inString = !open.isEmpty() && open.peek()[0] == '"';
      if (inString) {
        if (c == '\\') {
          i++;
        } else if (c == '"') {
          open.pop();
        } else if ((c == '$' || c == '%') && text.startsWith("{", i + 1)) {
          open.push(new int[] {'}', line});
          i++;
        }
        continue;
      }
      if (c == '#' || text.startsWith("//", i)) {
        while (i + 1 < text.length() && text.charAt(i + 1) != '\n') {
          i++;
        }
      } else if (text.startsWith("/*", i)) {
        int end = text.indexOf("*/", i + 2);
        end = end < 0 ? text.length() : end + 1;
        line += (int) text.substring(i, end).chars().filter(ch -> ch == '\n').count();
        i = end;
      } else if (text.startsWith("<<", i)) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("<<-?([A-Za-z_][A-Za-z0-9_]*)\\n").matcher(text);
        if (m.find(i) && m.start() == i) {
          java.util.regex.Matcher end = java.util.regex.Pattern.compile("(?m)^[ \\t]*" + m.group(1) + "[ \\t]*$")
              .matcher(text);
          if (!end.find(m.end())) {
            return "the heredoc opened on line " + line + " never ends (no " + m.group(1) + " line)";
          }
          line += (int) text.substring(i, end.end()).chars().filter(ch -> ch == '\n').count();
          i = end.end() - 1;
        }
      } else if (c == '"') {
        open.push(new int[] {'"', line});
      } else if (c == '{' || c == '[' || c == '(') {
        open.push(new int[] {c == '{' ? '}' : c == '[' ? ']' : ')', line});
      } else if (c == '}' || c == ']' || c == ')') {
        if (open.isEmpty() || open.peek()[0] != c) {
          return "line " + line + ": `" + c + "` closes nothing open"
              + (open.isEmpty() ? "" : " (expected `" + (char) open.peek()[0] + "` for line " + open.peek()[1] + ")");
        }
        open.pop();
      }
    }
    if (!open.isEmpty()) {
      int[] first = open.peekLast();
      String opener = switch (first[0]) {
        case '"' -> "a string";
        case '}' -> "the `{`";
        case ']' -> "the `[`";
        default -> "the `(`";
      };
      return opener + " opened on line " + first[1] + " is never closed";
    }
    return null;
  }

  private void declare(Module module, Path file, Symbol s) {
    if (!(s instanceof HCLBlock block) || !TOP_LEVEL.contains(block.blockNames.get(0))) {
      problems.add(where(file, s) + " `" + s.getName() + "` is not a Terraform block here (a block left open above?)");
      return;
    }
    List<String> names = block.blockNames;
    int labels = switch (names.get(0)) {
      case "resource", "data" -> 2;
      case "variable", "output", "module", "provider" -> 1;
      default -> -1; // any number (or none)
    };
    if (labels >= 0 && names.size() != labels + 1) {
      problems.add(where(file, s) + " a " + names.get(0) + " block takes " + labels + " label(s), has " + names.subList(1,
          names.size()));
      return;
    }
    switch (names.get(0)) {
      case "variable" -> module.variables.put(names.get(1), attribute(block, "default") != null);
      case "locals" -> {
        for (Symbol a : block.getChildren()) {
          if (a instanceof HCLAttribute attr) {
            module.locals.add(attr.getName());
            module.localValues.put(attr.getName(), attr);
          }
        }
      }
      case "resource" -> module.resources.add(names.get(1) + "." + names.get(2));
      case "data" -> module.data.add(names.get(1) + "." + names.get(2));
      case "module" -> module.calls.put(names.get(1), block);
      case "output" -> module.outputs.add(names.get(1));
      default -> { }
    }
  }

  // --- References ---------------------------------------------------------------------------------------------------

  /** A reference in an expression: its dotted names up to the first index, e.g. [google_x, y] of google_x.y[0].z. */
  private record Reference(List<String> names, Path file, Symbol at) {}

  private void checkReferences(Module module, Map<Path, Module> modules) {
    for (Source source : module.sources) {
      List<Reference> refs = new ArrayList<>();
      Set<String> iterators = new LinkedHashSet<>();
      for (Symbol s : source.symbols()) {
        collect(s, source.file(), refs, iterators, new IdentityHashMap<>());
      }
      for (Reference ref : refs) {
        resolve(module, modules, ref, iterators);
      }
    }
  }

  private void resolve(Module module, Map<Path, Module> modules, Reference ref, Set<String> iterators) {
    List<String> n = ref.names();
    String at = where(ref.file(), ref.at());
    String dotted = String.join(".", n);
    switch (n.get(0)) {
      case "var" -> {
        if (n.size() < 2 || !module.variables.containsKey(n.get(1))) {
          problems.add(at + " " + dotted + " is not a variable declared in " + rel(module.dir));
        }
      }
      case "local" -> {
        if (n.size() < 2 || !module.locals.contains(n.get(1))) {
          problems.add(at + " " + dotted + " is not a local value declared in " + rel(module.dir));
        }
      }
      case "module" -> {
        if (n.size() < 2 || !module.calls.containsKey(n.get(1))) {
          problems.add(at + " " + dotted + " is not a module called in " + rel(module.dir));
          return;
        }
        Module called = modules.get(calledDir(module, module.calls.get(n.get(1))));
        if (called != null && n.size() > 2 && !called.outputs.contains(n.get(2))) {
          problems.add(at + " " + dotted + ": " + rel(called.dir) + " has no output " + n.get(2));
        }
      }
      case "data" -> {
        if (n.size() < 3 || !module.data.contains(n.get(1) + "." + n.get(2))) {
          problems.add(at + " " + dotted + " is not a data source declared in " + rel(module.dir));
        }
      }
      default -> {
        if (BUILT_IN.contains(n.get(0)) || iterators.contains(n.get(0))) {
          return;
        }
        if (n.size() < 2 || !module.resources.contains(n.get(0) + "." + n.get(1))) {
          String name = n.size() < 2 ? n.get(0) : n.get(0) + "." + n.get(1);
          problems.add(at + " " + name + " is not a resource declared in " + rel(module.dir));
        }
      }
    }
  }

  /**
   * Every reference under {@code s}, and the names that for-expressions and dynamic blocks bind (which are not
   * references to anything declared).
   */
  private void collect(Symbol s, Path file, List<Reference> refs, Set<String> iterators,
      IdentityHashMap<Symbol, Boolean> seen) {
    if (s == null || seen.put(s, true) != null) {
      return;
    }
    if (s instanceof HCLAttribute a && NOT_EXPRESSIONS.contains(a.getName())) {
      return;
    }
    if (s instanceof HCLBlock b && b.blockNames.size() > 1 && b.blockNames.get(0).equals("dynamic")) {
      iterators.add(b.blockNames.get(1));
      HCLAttribute iterator = attribute(b, "iterator");
      if (iterator != null && !iterator.getChildren().isEmpty()) {
        iterators.add(iterator.getChildren().get(0).getName());
      }
    }
    if (s instanceof HCLAttribute a && a.getChildren().isEmpty()) {
      problems.add(where(file, s) + " `" + a.getName() + "` has no value");
    }
    if (s instanceof VariableTree tree && !tree.getChildren().isEmpty() && tree.getChildren().get(0) instanceof Variable) {
      List<String> names = new ArrayList<>();
      for (Symbol part : tree.getChildren()) {
        if (!(part instanceof Variable)) {
          break;
        }
        names.add(part.getName());
      }
      refs.add(new Reference(names, file, tree));
    }
    if (s instanceof Function f && f.getName().equals("file") && f.getChildren().size() == 1) {
      // Terraform reads a file() at plan time; one that is not there fails the plan, so it fails here first.
      String path = stringOf(f.getChildren().get(0));
      if (path != null && !Files.isRegularFile(file.getParent().resolve(path).normalize())) {
        problems.add(where(file, f) + " file(\"" + path + "\"): " + rel(file.getParent().resolve(path).normalize())
            + " does not exist");
      }
    }
    if (s instanceof HCLValue v && "string".equals(v.type) && String.valueOf(v.value).contains("${")) {
      // hcl4j keeps a heredoc's text whole, interpolations and all: read it again as a quoted string.
      for (Symbol inner : reparseAsString(file, v)) {
        collect(inner, file, refs, iterators, seen);
      }
    }
    List<Symbol> children = new ArrayList<>(s.getChildren());
    if (s instanceof HCLBlock b && b.blockNames.get(0).equals("variable")) {
      // A variable's type (string, list(string), object({...})) is a type expression, not references.
      children.removeIf(c -> c instanceof HCLAttribute a && a.getName().equals("type"));
    }
    if (s instanceof ComputedTuple t) {
      t.getVariables().forEach(var -> iterators.add(var.getName()));
      children.addAll(java.util.Arrays.asList(t.getSourceExpression(), t.getTargetExpression(),
          t.getConditionalExpression()));
    }
    if (s instanceof ComputedObject o) {
      o.getVariables().forEach(var -> iterators.add(var.getName()));
      children.addAll(java.util.Arrays.asList(o.getSourceExpression(), o.getTargetExpression(),
          o.getConditionalExpression()));
    }
    for (Symbol child : children) {
      collect(child, file, refs, iterators, seen);
    }
  }

  private List<Symbol> reparseAsString(Path file, HCLValue v) {
    String text = String.valueOf(v.value).replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
    try {
      return HclSyntaxTree.parse("heredoc = \"" + text + "\"\n");
    } catch (HCLParserException | IOException | RuntimeException e) {
      problems.add(where(file, v) + " a heredoc's interpolations do not parse: " + e.getMessage());
      return List.of();
    }
  }

  // --- Module calls and example variables ---------------------------------------------------------------------------

  private Path calledDir(Module caller, HCLBlock call) {
    String source = literal(attribute(call, "source"));
    if (source == null || !(source.startsWith("./") || source.startsWith("../"))) {
      return null; // a registry or git module: not in this tree
    }
    return caller.dir.resolve(source).normalize();
  }

  private void checkModuleCalls(Module module, Map<Path, Module> modules) {
    for (Map.Entry<String, HCLBlock> call : module.calls.entrySet()) {
      Path dir = calledDir(module, call.getValue());
      String at = where(fileOf(module, call.getValue()), call.getValue()) + " module." + call.getKey();
      if (dir == null) {
        continue;
      }
      Module called = modules.get(dir);
      if (called == null) {
        problems.add(at + ": its source " + rel(dir) + " holds no .tf files");
        continue;
      }
      Set<String> passed = new LinkedHashSet<>();
      for (Symbol s : call.getValue().getChildren()) {
        if (s instanceof HCLAttribute a && !MODULE_META.contains(a.getName())) {
          passed.add(a.getName());
          if (!called.variables.containsKey(a.getName())) {
            problems.add(at + " passes " + a.getName() + ", which is not a variable of " + rel(dir));
          }
        }
      }
      called.variables.forEach((name, hasDefault) -> {
        if (!hasDefault && !passed.contains(name)) {
          problems.add(at + " does not pass " + name + ", a variable of " + rel(dir) + " without default");
        }
      });
    }
  }

  /** A *.tfvars.example is what a user copies: it sets only the root's variables, and at least the required ones. */
  private void checkExampleVars(Module module) {
    List<Path> examples;
    try (Stream<Path> list = Files.list(module.dir)) {
      examples = list.filter(f -> f.getFileName().toString().endsWith(".tfvars.example")).sorted().toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    for (Path file : examples) {
      List<Symbol> symbols = parse(file);
      if (symbols == null) {
        continue;
      }
      Set<String> set = new LinkedHashSet<>();
      for (Symbol s : symbols) {
        set.add(s.getName());
        if (!(s instanceof HCLAttribute) || !module.variables.containsKey(s.getName())) {
          problems.add(where(file, s) + " " + s.getName() + " is not a variable of " + rel(module.dir));
        }
      }
      module.variables.forEach((name, hasDefault) -> {
        if (!hasDefault && !set.contains(name)) {
          problems.add(where(file, null) + " does not set " + name + ", a variable without default");
        }
      });
    }
  }

  // --- BigQuery tables ----------------------------------------------------------------------------------------------

  /** Checks the module's tables against the pipeline's; returns the table ids it declares. */
  private Set<String> checkTables(Module module) {
    Set<String> declared = new LinkedHashSet<>();
    for (Source source : module.sources) {
      for (Symbol s : source.symbols()) {
        if (s instanceof HCLBlock b && b.blockNames.size() == 3 && b.blockNames.get(0).equals("resource")
            && b.blockNames.get(1).equals("google_bigquery_table")) {
          String table = checkTable(module, source.file(), b);
          if (table != null) {
            declared.add(table);
          }
        }
      }
    }
    return declared;
  }

  private String checkTable(Module module, Path file, HCLBlock block) {
    String at = where(file, block) + " google_bigquery_table." + block.blockNames.get(2);
    String id = literal(attribute(block, "table_id"));
    if (id == null) {
      problems.add(at + ": table_id is not a literal string, so it cannot be checked against the pipeline's tables");
      return null;
    }
    Table expected = pipelineTables.get(id);
    if (expected == null) {
      problems.add(at + ": " + id + " is not a table the pipeline writes " + pipelineTables.keySet());
      return id;
    }
    checkSchema(module, at, id, attribute(block, "schema"), expected);

    HCLBlock partitioning = childBlock(block, "time_partitioning");
    String type = partitioning == null ? null : literal(attribute(partitioning, "type"));
    String field = partitioning == null ? null : literal(attribute(partitioning, "field"));
    if (!"DAY".equals(type)) {
      problems.add(at + ": " + id + " is not partitioned by DAY (time_partitioning.type " + type
          + "); the pipeline creates it so");
    }
    if (!java.util.Objects.equals(field, expected.partitionField())) {
      problems.add(at + ": " + id + " is partitioned on " + describeField(field) + ", the pipeline's on "
          + describeField(expected.partitionField()));
    }
    List<String> clustering = literalList(attribute(block, "clustering"));
    if (!expected.clustering().equals(clustering)) {
      problems.add(at + ": " + id + " is clustered on " + clustering + ", the pipeline's on " + expected.clustering());
    }
    return id;
  }

  private static String describeField(String field) {
    return field == null ? "ingestion time" : field;
  }

  private void checkSchema(Module module, String at, String table, HCLAttribute schema, Table expected) {
    String path = schema == null ? null : filePath(module, schema);
    if (path == null) {
      problems.add(at + ": schema is not file(\"<path>\") with a literal path (or ${path.module}/...), so it cannot be"
          + " checked against the pipeline's " + SCHEMAS_DIR + "/" + table + ".json");
      return;
    }
    Path file = module.dir.resolve(path).normalize();
    Path pipelines = root.resolve(SCHEMAS_DIR).resolve(table + ".json");
    if (!file.equals(pipelines)) {
      problems.add(at + ": schema is " + rel(file) + ", not the pipeline's own " + rel(pipelines)
          + " (a copy drifts)");
    }
    if (!Files.isRegularFile(file)) {
      problems.add(at + ": schema file " + rel(file) + " does not exist");
      return;
    }
    List<Column> columns;
    try {
      columns = columns(JSON.readTree(file.toFile()));
    } catch (IOException | RuntimeException e) {
      problems.add(at + ": schema file " + rel(file) + " is not a BigQuery schema: " + e.getMessage());
      return;
    }
    if (!columns.equals(expected.columns())) {
      problems.add(at + ": schema drift in " + table + ": " + rel(file) + " has " + difference(columns,
          expected.columns()));
    }
  }

  /** The columns of a BigQuery JSON schema (an array of fields). */
  static List<Column> columns(JsonNode fields) {
    if (!fields.isArray()) {
      throw new IllegalArgumentException("a schema is a JSON array of fields");
    }
    List<Column> columns = new ArrayList<>();
    for (JsonNode f : fields) {
      String type = f.path("type").asText();
      columns.add(new Column(f.path("name").asText(), type,
          f.hasNonNull("mode") ? f.get("mode").asText() : "NULLABLE",
          f.has("fields") ? columns(f.get("fields")) : List.of()));
    }
    return columns;
  }

  /** What differs, in words a reader can act on: missing and extra columns first, else the first changed one. */
  private static String difference(List<Column> terraform, List<Column> pipeline) {
    Set<String> tf = new LinkedHashSet<>(terraform.stream().map(Column::name).toList());
    Set<String> pl = new LinkedHashSet<>(pipeline.stream().map(Column::name).toList());
    Set<String> missing = new LinkedHashSet<>(pl);
    missing.removeAll(tf);
    Set<String> extra = new LinkedHashSet<>(tf);
    extra.removeAll(pl);
    if (!missing.isEmpty() || !extra.isEmpty()) {
      return "columns " + extra + " the pipeline does not write, and lacks " + missing + " that it does";
    }
    for (int i = 0; i < pipeline.size(); i++) {
      if (!pipeline.get(i).equals(terraform.get(i))) {
        return "column " + terraform.get(i) + " where the pipeline has " + pipeline.get(i);
      }
    }
    return "the same columns in another order";
  }

  /** The path inside {@code file("...")}: literal text and ${path.module} (as "."), nothing else. */
  private String filePath(Module module, HCLAttribute attr) {
    if (attr.getChildren().size() != 1 || !(attr.getChildren().get(0) instanceof VariableTree call)
        || call.getChildren().size() != 1 || !(call.getChildren().get(0) instanceof Function f)
        || !f.getName().equals("file") || f.getChildren().size() != 1) {
      return null;
    }
    return stringOf(f.getChildren().get(0));
  }

  private static String stringOf(Symbol s) {
    if (s instanceof HCLValue v && "string".equals(v.type)) {
      return (String) v.value;
    }
    if (s instanceof VariableTree t && t.getName().equals("path.module")) {
      return ".";
    }
    if (s instanceof StringInterpolatedExpression e) {
      StringBuilder text = new StringBuilder();
      for (Symbol part : e.getChildren()) {
        if (part instanceof Operator op && op.getName().equals("+")) {
          continue;
        }
        String piece = stringOf(part);
        if (piece == null) {
          return null;
        }
        text.append(piece);
      }
      return text.toString();
    }
    return null;
  }

  // --- Template parameters ------------------------------------------------------------------------------------------

  /** A Flex Template job passes the parameters the template declares, and all it requires. */
  private void checkTemplateParameters(Module module) {
    Path metadata = root.resolve(TEMPLATE_METADATA);
    if (!Files.isRegularFile(metadata)) {
      return;
    }
    Map<String, Boolean> declared = new LinkedHashMap<>(); // name -> optional
    try {
      for (JsonNode p : JSON.readTree(metadata.toFile()).path("parameters")) {
        declared.put(p.path("name").asText(), p.path("isOptional").asBoolean(false));
      }
    } catch (IOException e) {
      problems.add(rel(metadata) + " is not JSON: " + e.getMessage());
      return;
    }
    for (Source source : module.sources) {
      for (Symbol s : source.symbols()) {
        if (s instanceof HCLBlock b && b.blockNames.size() == 3 && b.blockNames.get(0).equals("resource")
            && b.blockNames.get(1).equals("google_dataflow_flex_template_job")) {
          String at = where(source.file(), b) + " google_dataflow_flex_template_job." + b.blockNames.get(2);
          Set<String> passed = parameterNames(module, attribute(b, "parameters"));
          for (String name : passed) {
            if (!declared.containsKey(name)) {
              problems.add(at + " passes parameter " + name + ", which " + TEMPLATE_METADATA + " does not declare");
            }
          }
          declared.forEach((name, optional) -> {
            if (!optional && !passed.contains(name)) {
              problems.add(at + " does not pass " + name + ", which " + TEMPLATE_METADATA + " requires");
            }
          });
        }
      }
    }
  }

  /** The keys of the object literals in a parameters expression, following it into one local value. */
  private Set<String> parameterNames(Module module, HCLAttribute parameters) {
    Set<String> names = new LinkedHashSet<>();
    if (parameters == null) {
      return names;
    }
    Symbol value = parameters;
    if (parameters.getChildren().size() == 1 && parameters.getChildren().get(0) instanceof VariableTree t
        && t.getName().startsWith("local.")) {
      value = module.localValues.get(t.getName().substring("local.".length()));
    }
    objectKeys(value, names, new IdentityHashMap<>());
    return names;
  }

  private static void objectKeys(Symbol s, Set<String> names, IdentityHashMap<Symbol, Boolean> seen) {
    if (s == null || seen.put(s, true) != null) {
      return;
    }
    if (s instanceof HCLBlock block) {
      for (Symbol c : block.getChildren()) {
        if (c instanceof HCLAttribute a) {
          names.add(a.getName());
        }
      }
    }
    List<Symbol> children = new ArrayList<>(s.getChildren());
    if (s instanceof ComputedObject o) {
      children.add(o.getSourceExpression());
    }
    for (Symbol c : children) {
      objectKeys(c, names, seen);
    }
  }

  // --- Small readers ------------------------------------------------------------------------------------------------

  private static HCLAttribute attribute(Symbol block, String name) {
    for (Symbol s : block.getChildren()) {
      if (s instanceof HCLAttribute a && a.getName().equals(name)) {
        return a;
      }
    }
    return null;
  }

  private static HCLBlock childBlock(Symbol block, String name) {
    for (Symbol s : block.getChildren()) {
      if (s instanceof HCLBlock b && b.blockNames.get(0).equals(name)) {
        return b;
      }
    }
    return null;
  }

  /** An attribute's value when it is one string literal; null otherwise. */
  private static String literal(HCLAttribute attr) {
    if (attr == null || attr.getChildren().size() != 1) {
      return null;
    }
    return attr.getChildren().get(0) instanceof HCLValue v && "string".equals(v.type) ? (String) v.value : null;
  }

  /** An attribute's value when it is a list of string literals; empty when absent; null when something else. */
  private static List<String> literalList(HCLAttribute attr) {
    if (attr == null) {
      return List.of();
    }
    if (attr.getChildren().size() != 1 || !(attr.getChildren().get(0) instanceof HCLArray array)) {
      return null;
    }
    List<String> values = new ArrayList<>();
    for (Symbol s : array.getChildren()) {
      if (!(s instanceof HCLValue v) || !"string".equals(v.type)) {
        return null;
      }
      values.add((String) v.value);
    }
    return values;
  }

  private Path fileOf(Module module, Symbol top) {
    for (Source source : module.sources) {
      if (source.symbols().contains(top)) {
        return source.file();
      }
    }
    return module.dir;
  }

  private String where(Path file, Symbol at) {
    Integer line = at == null ? null : at.getLine();
    return rel(file) + (line == null ? ":" : ":" + (line + 1) + ":");
  }

  private String rel(Path path) {
    Path p = path.toAbsolutePath().normalize();
    return p.startsWith(root) ? root.relativize(p).toString() : p.toString();
  }
}
