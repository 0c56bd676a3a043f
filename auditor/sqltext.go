package auditor

import (
	"fmt"
	"strings"
)

// splitStatements splits SQL text into statements at semicolons that sit
// outside string literals, quoted identifiers and comments. Statements that
// hold only whitespace and comments are dropped.
func splitStatements(sql string) ([]string, error) {
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
	tokString
	tokWord
	tokOther
)

// sqlScanner walks ClickHouse SQL just far enough to know what is code and
// what is quoted text or comment.
type sqlScanner struct {
	src  string
	pos  int
	word string // the last tokWord, upper-cased
}

func (s *sqlScanner) next() (sqlToken, error) {
	for s.pos < len(s.src) && isSpace(s.src[s.pos]) {
		s.pos++
	}
	if s.pos >= len(s.src) {
		return tokEOF, nil
	}
	c := s.src[s.pos]
	switch {
	case c == ';':
		s.pos++
		return tokSemicolon, nil
	case c == '-' && strings.HasPrefix(s.src[s.pos:], "--"), c == '#' && strings.HasPrefix(s.src[s.pos:], "# "), c == '#' && strings.HasPrefix(s.src[s.pos:], "#!"):
		if i := strings.IndexByte(s.src[s.pos:], '\n'); i >= 0 {
			s.pos += i + 1
		} else {
			s.pos = len(s.src)
		}
		return tokComment, nil
	case c == '/' && strings.HasPrefix(s.src[s.pos:], "/*"):
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
	case c == '\'' || c == '"' || c == '`':
		s.pos++
		for s.pos < len(s.src) {
			switch s.src[s.pos] {
			case '\\':
				s.pos += 2
				continue
			case c:
				if s.pos+1 < len(s.src) && s.src[s.pos+1] == c {
					s.pos += 2
					continue
				}
				s.pos++
				if c == '\'' {
					return tokString, nil
				}
				return tokWord, nil
			}
			s.pos++
		}
		if s.pos > len(s.src) {
			s.pos = len(s.src)
		}
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

func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'
}

func isWordByte(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c >= 0x80
}

// quote renders s as a ClickHouse string literal.
func quote(s string) string {
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

// quoteList renders ss as a parenthesised list of string literals for IN.
func quoteList(ss []string) string {
	if len(ss) == 0 {
		return "('')"
	}
	parts := make([]string, len(ss))
	for i, s := range ss {
		parts[i] = quote(s)
	}
	return "(" + strings.Join(parts, ", ") + ")"
}
