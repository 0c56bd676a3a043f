package ingest

import (
	"regexp"
	"slices"
	"strings"
)

// itsmRef matches ServiceNow numbers; jiraKey matches Jira issue keys.
var (
	itsmRef = regexp.MustCompile(`\b(?:INC|RITM|REQ|CHG|SCTASK|PRB|TASK)\d{4,}\b`)
	jiraKey = regexp.MustCompile(`\b[A-Z][A-Z0-9]{1,9}-[1-9]\d{0,6}\b`)
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

func appendTicketRefs(refs []string, texts ...string) []string {
	if refs == nil {
		refs = []string{}
	}
	for _, t := range texts {
		if t == "" {
			continue
		}
		for _, m := range itsmRef.FindAllString(t, -1) {
			if !slices.Contains(refs, m) {
				refs = append(refs, m)
			}
		}
		for _, m := range jiraKey.FindAllString(t, -1) {
			project := m[:strings.IndexByte(m, '-')]
			if notJiraProjects[project] || itsmRef.MatchString(m) || slices.Contains(refs, m) {
				continue
			}
			refs = append(refs, m)
		}
	}
	return refs
}
