package clickhouse

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// This file holds the one SQL tokenizer of tollgate. Migrations split their files into
// statements with it and the read-only guard (readonly.go) reads analysts' queries with it,
// so both agree with each other and, as far as the fuzz target FuzzReadOnlyGuard can tell,
// with the engine's own lexer: comments (-- …, "# " / "#!" to end of line, nested /* */),
// string literals ('…' with backslash escapes and doubled quotes), quoted identifiers ("…"
// and `…`), and heredocs ($$…$$, $tag$…$tag$).

// SplitStatements splits SQL text into statements at semicolons that sit
// outside string literals, quoted identifiers, heredocs and comments.
// Statements that hold only whitespace and comments are dropped.
func SplitStatements(sql string) ([]string, error) {
	var out []string
	start := 0
	sc := sqlScanner{src: sql}
	for {
		tok, err := sc.next()
		if err != nil {
			return nil, err
		}
		if tok == tokEOF {
			break
		}
		if tok == tokSemicolon {
			if s := strings.TrimSpace(sql[start : sc.pos-1]); hasCode(s) {
				out = append(out, s)
			}
			start = sc.pos
		}
	}
	if s := strings.TrimSpace(sql[start:]); hasCode(s) {
		out = append(out, s)
	}
	return out, nil
}

// hasCode reports whether s holds anything but whitespace and comments.
func hasCode(s string) bool {
	sc := sqlScanner{src: s}
	for {
		tok, err := sc.next()
		if err != nil {
			return true
		}
		switch tok {
		case tokEOF:
			return false
		case tokComment:
			continue
		default:
			return true
		}
	}
}

type sqlToken int

const (
	tokEOF sqlToken = iota
	tokSemicolon
	tokComment
	tokString     // '…' or a heredoc
	tokWord       // a bare word: keyword or identifier; sqlScanner.word holds it upper-cased
	tokQuotedWord // "…" or `…`: always an identifier; sqlScanner.word holds its text as written
	tokOpenParen
	tokOther
)

// sqlScanner walks ClickHouse SQL far enough to know what is code and what is quoted
// text or comment, and which words are followed by a parenthesis.
type sqlScanner struct {
	src  string
	pos  int
	word string // the last tokWord upper-cased, or the last tokQuotedWord's inner text as written
	// lineBreak: a quoted string or name so far held a line break, as written or as an
	// escape (\n, \r, \x0a, \x0d).
	lineBreak bool
}

func (s *sqlScanner) next() (sqlToken, error) {
	for s.pos < len(s.src) && isSpace(s.src[s.pos]) {
		s.pos++
	}
	if s.pos >= len(s.src) {
		return tokEOF, nil
	}
	c := s.src[s.pos]
	rest := s.src[s.pos:]
	switch {
	case c == ';':
		s.pos++
		return tokSemicolon, nil
	case c == '(':
		s.pos++
		return tokOpenParen, nil
	case strings.HasPrefix(rest, "--"), strings.HasPrefix(rest, "# "), strings.HasPrefix(rest, "#!"):
		if i := strings.IndexByte(rest, '\n'); i >= 0 {
			s.pos += i + 1
		} else {
			s.pos = len(s.src)
		}
		return tokComment, nil
	case strings.HasPrefix(rest, "/*"):
		// ClickHouse block comments nest.
		depth := 0
		for s.pos < len(s.src) {
			switch {
			case strings.HasPrefix(s.src[s.pos:], "/*"):
				depth++
				s.pos += 2
			case strings.HasPrefix(s.src[s.pos:], "*/"):
				depth--
				s.pos += 2
				if depth == 0 {
					return tokComment, nil
				}
			default:
				s.pos++
			}
		}
		return tokEOF, fmt.Errorf("%w: unterminated /* comment", ErrBadSQL)
	case c == '$':
		// A heredoc opens with $tag$ where tag is empty or word characters.
		j := 1
		for j < len(rest) && isWordByte(rest[j]) {
			j++
		}
		if j < len(rest) && rest[j] == '$' {
			tag := rest[:j+1]
			end := strings.Index(rest[len(tag):], tag)
			if end < 0 {
				s.pos = len(s.src)
				return tokEOF, fmt.Errorf("%w: unterminated %s heredoc", ErrBadSQL, tag)
			}
			if strings.ContainsAny(rest[len(tag):len(tag)+end], "\r\n") {
				s.lineBreak = true
			}
			s.pos += len(tag) + end + len(tag)
			return tokString, nil
		}
		s.pos++
		return tokOther, nil
	case c == '\'' || c == '"' || c == '`':
		s.pos++
		begin := s.pos
		for s.pos < len(s.src) {
			switch s.src[s.pos] {
			case '\\':
				if s.pos+1 < len(s.src) {
					switch e := s.src[s.pos+1:]; {
					case e[0] == 'n' || e[0] == 'r', len(e) >= 3 && (e[0] == 'x' || e[0] == 'X') && (strings.EqualFold(e[1:3], "0a") || strings.EqualFold(e[1:3], "0d")):
						s.lineBreak = true
					}
				}
				s.pos += 2
				continue
			case '\n', '\r':
				s.lineBreak = true
			case c:
				if s.pos+1 < len(s.src) && s.src[s.pos+1] == c {
					s.pos += 2
					continue
				}
				s.pos++
				if c == '\'' {
					return tokString, nil
				}
				// As written, escapes and doubled quotes included: `file\x20` must not
				// read as a plain name.
				s.word = s.src[begin : s.pos-1]
				return tokQuotedWord, nil
			}
			s.pos++
		}
		s.pos = len(s.src)
		return tokEOF, fmt.Errorf("%w: unterminated %c quote", ErrBadSQL, c)
	case isWordByte(c):
		begin := s.pos
		for s.pos < len(s.src) && isWordByte(s.src[s.pos]) {
			s.pos++
		}
		s.word = strings.ToUpper(s.src[begin:s.pos])
		return tokWord, nil
	default:
		s.pos++
		return tokOther, nil
	}
}

// checkText refuses text the engine and the tokenizer could read differently: a NUL byte
// (the engine's C interface stops there) and invalid UTF-8.
func checkText(sql string) error {
	if strings.IndexByte(sql, 0) >= 0 {
		return fmt.Errorf("%w: the query holds a NUL byte", ErrBadSQL)
	}
	if !utf8.ValidString(sql) {
		return fmt.Errorf("%w: the query is not valid UTF-8", ErrBadSQL)
	}
	return nil
}

func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'
}

func isWordByte(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c >= 0x80
}

// Quote renders s as a ClickHouse string literal.
func Quote(s string) string {
	var b strings.Builder
	b.Grow(len(s) + 2)
	b.WriteByte('\'')
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '\'', '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		case 0:
			b.WriteString(`\0`)
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte('\'')
	return b.String()
}

// QuoteList renders ss as a parenthesised list of string literals for IN.
func QuoteList(ss []string) string {
	if len(ss) == 0 {
		return "('')"
	}
	parts := make([]string, len(ss))
	for i, s := range ss {
		parts[i] = Quote(s)
	}
	return "(" + strings.Join(parts, ", ") + ")"
}
