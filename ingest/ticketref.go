package ingest

import (
	"slices"
	"strings"
)

// itsmPrefixes are the ServiceNow number prefixes: a prefix and at least four digits make
// a ticket number (INC0012345, RITM0010042…).
var itsmPrefixes = []string{"INC", "RITM", "REQ", "CHG", "SCTASK", "PRB", "TASK"}

// Jira issue keys are a project key (an upper-case letter and 1–9 more upper-case letters
// or digits), a hyphen and an issue number of 1–7 digits not starting with 0.
const (
	jiraProjectMaxTail = 9
	jiraNumberMax      = 7
)

// notJiraProjects are prefixes that look like Jira keys but name standards, encodings,
// algorithms and advisories (UTF-8, SHA-256, ISO-8601, CVE-2024…).
var notJiraProjects = map[string]bool{
	"UTF": true, "ISO": true, "RFC": true, "SHA": true, "MD": true, "AES": true, "TLS": true,
	"SSL": true, "CVE": true, "CWE": true, "HTTP": true, "IPV": true, "IPV4": true, "IPV6": true,
	"RSA": true, "ECDSA": true, "GPT": true, "COVID": true, "WIN": true, "ARM": true, "X": true,
	"PCI": true, "NIST": true, "SOC": true, "OCSF": true, "PR": true, "DE": true, "NHI": true,
	"OWASP": true, "AWS": true, "GCP": true, "EC": true, "HMAC": true, "CP": true, "GB": true,
}

// TicketRefs returns the ticket numbers a text mentions (ServiceNow INC/RITM/REQ/CHG/SCTASK
// numbers and Jira keys), in order of appearance, without duplicates.
func TicketRefs(text string) []string { return appendTicketRefs(nil, text) }

// appendTicketRefs adds the references of each text: first its ServiceNow numbers, then its
// Jira keys that are neither standards nor ServiceNow numbers. A reference is a whole word:
// the characters around it are not ASCII letters, digits or '_'.
func appendTicketRefs(refs []string, texts ...string) []string {
	if refs == nil {
		refs = []string{}
	}
	for _, t := range texts {
		if !strings.ContainsAny(t, "0123456789") {
			continue // every reference has digits; most texts have none
		}
		for i := 0; i < len(t); {
			end := itsmRefAt(t, i)
			if end < 0 {
				i++
				continue
			}
			if m := t[i:end]; !slices.Contains(refs, m) {
				refs = append(refs, m)
			}
			i = end
		}
		for i := 0; i < len(t); {
			end := jiraKeyAt(t, i)
			if end < 0 {
				i++
				continue
			}
			m := t[i:end]
			project := m[:strings.IndexByte(m, '-')]
			if !notJiraProjects[project] && !containsITSMRef(m) && !slices.Contains(refs, m) {
				refs = append(refs, m)
			}
			i = end
		}
	}
	return refs
}

// isWordByte is the ASCII word class of a regular-expression \b.
func isWordByte(c byte) bool {
	return c == '_' || ('0' <= c && c <= '9') || ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z')
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

func isUpperAlnum(c byte) bool { return ('A' <= c && c <= 'Z') || isDigit(c) }

// digitsEnd returns the index after the run of digits starting at i.
func digitsEnd(t string, i int) int {
	for i < len(t) && isDigit(t[i]) {
		i++
	}
	return i
}

// itsmRefAt returns the end of the ServiceNow number that starts at i, or -1.
func itsmRefAt(t string, i int) int {
	if i > 0 && isWordByte(t[i-1]) {
		return -1
	}
	for _, p := range itsmPrefixes {
		if !strings.HasPrefix(t[i:], p) {
			continue
		}
		start := i + len(p)
		end := digitsEnd(t, start)
		if end-start >= 4 && (end == len(t) || !isWordByte(t[end])) {
			return end
		}
		return -1 // no prefix is a prefix of another, so no other can match here
	}
	return -1
}

// containsITSMRef reports whether s holds a ServiceNow number anywhere.
func containsITSMRef(s string) bool {
	for i := range len(s) {
		if itsmRefAt(s, i) >= 0 {
			return true
		}
	}
	return false
}

// jiraKeyAt returns the end of the Jira key that starts at i, or -1.
func jiraKeyAt(t string, i int) int {
	if (i > 0 && isWordByte(t[i-1])) || !('A' <= t[i] && t[i] <= 'Z') {
		return -1
	}
	j := i + 1
	for j < len(t) && isUpperAlnum(t[j]) {
		j++
	}
	if tail := j - i - 1; tail < 1 || tail > jiraProjectMaxTail || j >= len(t) || t[j] != '-' {
		return -1
	}
	j++
	if j >= len(t) || t[j] < '1' || t[j] > '9' {
		return -1
	}
	end := digitsEnd(t, j)
	if end-j > jiraNumberMax || (end < len(t) && isWordByte(t[end])) {
		return -1
	}
	return end
}
