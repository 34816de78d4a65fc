package com.bertramlabs.plugins.hcl4j;

import com.bertramlabs.plugins.hcl4j.symbols.Symbol;
import java.io.IOException;
import java.io.StringReader;
import java.util.List;

/**
 * hcl4j's syntax tree of one HCL text, as its lexer builds it, before anything is evaluated.
 *
 * <p>The public {@link HCLParser#parse} evaluates the tree into plain values, and an expression it cannot evaluate
 * (any {@code var.x} without a value, a resource attribute) comes out as null or as a string: what a reference names
 * is lost, and checking references is the point. The tree keeps every reference as a symbol with its line. The lexer
 * that builds it is package-private, hence this one class in hcl4j's package (a split package, which the class path
 * allows).
 */
public final class HclSyntaxTree {
  private HclSyntaxTree() {}

  /** The top-level symbols (blocks and attributes) of {@code text}; a lexical error throws. */
  public static List<Symbol> parse(String text) throws HCLParserException, IOException {
    HCLLexer lexer = new HCLLexer(new StringReader(text));
    lexer.yylex();
    return lexer.elementStack;
  }
}
