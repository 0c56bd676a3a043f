package gen

import (
	"fmt"
	"hash/fnv"
	"strings"
)

const (
	domain    = "corp.example"
	awsAcct   = "123456789012"
	tenantID  = "7f3c2a10-5b7e-4c1d-9a0e-2b8f6d4c1e90"
	wsCustID  = "C03az79cb"
	jiraProj  = "ITSD"
	policyARN = "arn:aws:iam::aws:policy/"
)

var firstNames = []string{"alice", "bruno", "chen", "dara", "elena", "farid", "grace", "hugo", "ines", "jonas",
	"kira", "liam", "maya", "noah", "olga", "priya", "quinn", "rosa", "sami", "tara", "umar", "vera", "wen", "yara", "zoe"}

var lastNames = []string{"nguyen", "schmidt", "okafor", "silva", "tanaka", "kowalski", "haddad", "larsen", "moreau", "patel"}

// person is a human identity as each source knows it. Okta, Entra,
// Workspace, ServiceNow and Jira key people by email; AWS by IAM user ARN.
type person struct {
	Email, Name, Local string
}

func newPerson(i int) person {
	f, l := firstNames[i%len(firstNames)], lastNames[(i/len(firstNames))%len(lastNames)]
	local := fmt.Sprintf("%s.%s%d", f, l, i)
	name := strings.ToUpper(f[:1]) + f[1:] + " " + strings.ToUpper(l[:1]) + l[1:]
	return person{Email: local + "@" + domain, Name: name, Local: local}
}

// ID is the canonical principal id of the person in email-keyed sources.
func (p person) ID() string { return p.Email }

// ARN is the person's IAM user.
func (p person) ARN() string { return "arn:aws:iam::" + awsAcct + ":user/" + p.Local }

func (p person) oktaID() string  { return "00u" + hashID(p.Email, 17) }
func (p person) entraID() string { return guid(p.Email) }

// nhiKind is where a non-human identity lives.
type nhiKind int

const (
	nhiAWS   nhiKind = iota // an IAM user with access keys
	nhiOkta                 // an Okta service user holding API tokens
	nhiEntra                // an Entra service principal with client secrets
)

// nhi is a non-human identity and the credential it currently holds.
type nhi struct {
	Kind nhiKind
	Name string
	// Cred is the current credential id ("" before the first one), CredAt when it was issued.
	Cred string
}

func newNHI(i int, kind nhiKind) *nhi {
	apps := []string{"billing", "deploy", "backup", "etl", "reporting", "sync", "monitor", "payments"}
	return &nhi{Kind: kind, Name: fmt.Sprintf("svc-%s-%d", apps[i%len(apps)], i)}
}

// ID is the canonical principal id ingest gives the identity.
func (n *nhi) ID() string {
	switch n.Kind {
	case nhiAWS:
		return "arn:aws:iam::" + awsAcct + ":user/" + n.Name
	case nhiOkta:
		return n.Name + "@" + domain
	default:
		return "entra:" + guid(n.Name)
	}
}

func hashID(s string, n int) string {
	h := fnv.New64a()
	h.Write([]byte(s))
	v := fmt.Sprintf("%016x%016x", h.Sum64(), h.Sum64()^0x5bd1e995)
	return v[:n]
}

func guid(s string) string {
	h := hashID(s, 32) + hashID(s+"#", 32)
	return h[0:8] + "-" + h[8:12] + "-4" + h[13:16] + "-8" + h[17:20] + "-" + h[20:32]
}
