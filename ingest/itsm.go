package ingest

import (
	"fmt"
	"path"
	"strings"
	"time"

	"github.com/tollgate-io/tollgate/schemas"
)

// AttrITSMClass is the governance class of a ticket's request type (ServiceNow catalog item
// or category, JSM request type), from RequestTypeRules: the default policy routes on it.
const AttrITSMClass = "itsm_class"

// AttrITSMRule is the match of the rule that classified the request type.
const AttrITSMRule = "itsm_rule"

// Request-type classes (values of AttrITSMClass).
const (
	ClassRecovery         = "recovery"          // restores a known-good state: help desk
	ClassAccess           = "access"            // asks for access: governed
	ClassPrivilegedAccess = "privileged_access" // asks for admin or privileged access: governed, high impact
	ClassOnboarding       = "onboarding"        // a joiner's accounts and access: governed
	ClassOffboarding      = "offboarding"       // a leaver's revocation: governed
	ClassChange           = "change"            // a change to a system: governed
	ClassIncident         = "incident"          // break-fix that decides no entitlement: help desk
	ClassNoAccess         = "no_access"         // hardware, software, questions: nobody's access
)

var requestClasses = map[string]schemas.TicketKind{
	ClassRecovery: schemas.TicketServiceRequest, ClassAccess: schemas.TicketServiceRequest,
	ClassPrivilegedAccess: schemas.TicketServiceRequest, ClassOnboarding: schemas.TicketServiceRequest,
	ClassOffboarding: schemas.TicketServiceRequest, ClassChange: schemas.TicketChange,
	ClassIncident: schemas.TicketIncident, ClassNoAccess: schemas.TicketServiceRequest,
}

// RequestTypeRule classifies the request types that match Match (a glob, * and ?, ignoring
// case) as Class; the first matching rule wins, configured rules before the defaults. Kind,
// when set, is the ticket kind for tickets whose table or issue type said none (OTHER).
type RequestTypeRule struct {
	Match string `yaml:"match"`
	Class string `yaml:"class"`
	Kind  string `yaml:"kind"`
}

// DefaultRequestTypes are the out-of-box request items of ServiceNow's Service Catalog and
// of Jira Service Management's IT service management template, by name, and common patterns
// of site-made ones. Configure ingest.request_types to classify a site's own items: those
// rules are tried first.
var DefaultRequestTypes = []RequestTypeRule{
	// Recovery: password resets, unlocks, MFA (JSM "Fix an account problem", ServiceNow
	// "Password Reset"); before the access patterns, as "reset access" is recovery.
	{Match: "*password*", Class: ClassRecovery},
	{Match: "*unlock*", Class: ClassRecovery},
	{Match: "*locked out*", Class: ClassRecovery},
	{Match: "*mfa*", Class: ClassRecovery},
	{Match: "*2fa*", Class: ClassRecovery},
	{Match: "*authenticator*", Class: ClassRecovery},
	{Match: "fix an account problem", Class: ClassRecovery},
	// Privileged access (JSM "Request admin access").
	{Match: "*admin access*", Class: ClassPrivilegedAccess},
	{Match: "*administrator*", Class: ClassPrivilegedAccess},
	{Match: "*privileged*", Class: ClassPrivilegedAccess},
	{Match: "*root access*", Class: ClassPrivilegedAccess},
	// Joiners and leavers (JSM "Onboard new employees", "Offboard employees"; ServiceNow
	// HR/onboarding items).
	{Match: "*onboard*", Class: ClassOnboarding},
	{Match: "*new hire*", Class: ClassOnboarding},
	{Match: "*new employee*", Class: ClassOnboarding},
	{Match: "*offboard*", Class: ClassOffboarding},
	{Match: "*leaver*", Class: ClassOffboarding},
	{Match: "*termination*", Class: ClassOffboarding},
	// Access (ServiceNow "Access", "Request access", group/role membership items; JSM
	// "Request access", "Set up VPN to the office", "Get a guest wifi account").
	{Match: "*access*", Class: ClassAccess},
	{Match: "*permission*", Class: ClassAccess},
	{Match: "*entitlement*", Class: ClassAccess},
	{Match: "*group membership*", Class: ClassAccess},
	{Match: "*role*", Class: ClassAccess},
	{Match: "*vpn*", Class: ClassAccess},
	{Match: "*account*", Class: ClassAccess},
	// Changes (JSM "Request a change"; ServiceNow normal/standard change models).
	{Match: "*change*", Class: ClassChange, Kind: string(schemas.TicketChange)},
	// Break-fix (JSM "Get IT help", "Report a system problem"; ServiceNow incident categories).
	{Match: "get it help", Class: ClassIncident, Kind: string(schemas.TicketIncident)},
	{Match: "report a system problem", Class: ClassIncident, Kind: string(schemas.TicketIncident)},
	{Match: "*problem*", Class: ClassIncident, Kind: string(schemas.TicketIncident)},
	{Match: "*outage*", Class: ClassIncident, Kind: string(schemas.TicketIncident)},
	{Match: "inquiry*", Class: ClassIncident, Kind: string(schemas.TicketIncident)},
	{Match: "network", Class: ClassIncident},
	{Match: "database", Class: ClassIncident},
	// Nobody's access (JSM "Request new hardware", "Request new software", "Request mobile
	// device"; ServiceNow "Standard Laptop", "Apple iPad 3" and other hardware and software
	// items).
	{Match: "*hardware*", Class: ClassNoAccess},
	{Match: "*laptop*", Class: ClassNoAccess},
	{Match: "*desktop*", Class: ClassNoAccess},
	{Match: "*mobile device*", Class: ClassNoAccess},
	{Match: "*ipad*", Class: ClassNoAccess},
	{Match: "*iphone*", Class: ClassNoAccess},
	{Match: "*monitor*", Class: ClassNoAccess},
	{Match: "*printer*", Class: ClassNoAccess},
	{Match: "*software*", Class: ClassNoAccess},
}

// ValidateRequestTypes reports the first invalid rule, naming its index under key.
func ValidateRequestTypes(key string, rules []RequestTypeRule) error {
	for i, r := range rules {
		if strings.TrimSpace(r.Match) == "" {
			return fmt.Errorf("%s[%d].match: empty", key, i)
		}
		if _, err := path.Match(strings.ToLower(r.Match), ""); err != nil {
			return fmt.Errorf("%s[%d].match: %q is not a glob: %v", key, i, r.Match, err)
		}
		if _, ok := requestClasses[r.Class]; !ok {
			return fmt.Errorf("%s[%d].class: %q is not one of recovery, access, privileged_access, onboarding, offboarding, change, incident, no_access", key, i, r.Class)
		}
		switch schemas.TicketKind(r.Kind) {
		case "", schemas.TicketIncident, schemas.TicketServiceRequest, schemas.TicketChange, schemas.TicketAccessReview, schemas.TicketOther:
		default:
			return fmt.Errorf("%s[%d].kind: %q is not INCIDENT, SERVICE_REQUEST, CHANGE, ACCESS_REVIEW or OTHER", key, i, r.Kind)
		}
	}
	return nil
}

// classifyRequestType sets a ticket event's AttrITSMClass from the first rule whose glob
// matches its request type, and its kind when the source said none.
func classifyRequestType(ev *schemas.IdentityEvent, rules []RequestTypeRule) {
	t := ev.Ticket
	if t == nil || t.RequestType == nil || strings.TrimSpace(*t.RequestType) == "" {
		return
	}
	rt := strings.ToLower(strings.TrimSpace(*t.RequestType))
	for _, r := range rules {
		if ok, _ := path.Match(strings.ToLower(r.Match), rt); !ok {
			continue
		}
		ev.Attributes[AttrITSMClass] = r.Class
		ev.Attributes[AttrITSMRule] = r.Match
		if t.Kind == schemas.TicketOther || t.Kind == "" {
			if r.Kind != "" {
				t.Kind = schemas.TicketKind(r.Kind)
			} else {
				t.Kind = requestClasses[r.Class]
			}
		}
		return
	}
}

// requestTypeParser classifies the tickets another parser makes.
type requestTypeParser struct {
	inner Parser
	rules []RequestTypeRule
}

func (p requestTypeParser) ParseBatch(body []byte, now time.Time) (Batch, error) {
	b, err := p.inner.ParseBatch(body, now)
	for i := range b.Events {
		if b.Events[i].Attributes == nil {
			b.Events[i].Attributes = map[string]string{}
		}
		classifyRequestType(&b.Events[i], p.rules)
	}
	return b, err
}

func (p requestTypeParser) Parse(body []byte, now time.Time) ([]schemas.IdentityEvent, error) {
	return allOrNothing(p.ParseBatch(body, now))
}
