package seccomp

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
)

// The JSON form of a policy (see the package documentation):
//
//	{"defaultAction": "errno:38",
//	 "rules": [{"syscalls": ["read", "write"], "action": "allow"},
//	           {"syscalls": ["ioctl"], "action": "errno:1",
//	            "args": [{"index": 1, "op": "masked-eq", "mask": 4294967295, "value": 21522}]}]}
type jsonPolicy struct {
	DefaultAction string     `json:"defaultAction"`
	Rules         []jsonRule `json:"rules"`
}

type jsonRule struct {
	Syscalls []string   `json:"syscalls"`
	Action   string     `json:"action"`
	Args     []jsonCond `json:"args,omitempty"`
	Optional bool       `json:"optional,omitempty"`
}

type jsonCond struct {
	Index int    `json:"index"`
	Op    string `json:"op"`
	Value uint64 `json:"value"`
	Mask  uint64 `json:"mask,omitempty"`
}

// MarshalJSON writes the policy in its JSON form.
func (p *Policy) MarshalJSON() ([]byte, error) {
	jp := jsonPolicy{DefaultAction: p.Default.String(), Rules: []jsonRule{}}
	for _, r := range p.Rules {
		jr := jsonRule{Syscalls: r.Syscalls, Action: r.Action.String(), Optional: r.Optional}
		for _, c := range r.Conds {
			jr.Args = append(jr.Args, jsonCond{Index: c.Arg, Op: c.Op.String(), Value: c.Value, Mask: c.Mask})
		}
		jp.Rules = append(jp.Rules, jr)
	}
	return json.Marshal(jp)
}

// UnmarshalJSON reads the JSON form; every error names the bad value.
func (p *Policy) UnmarshalJSON(data []byte) error {
	var jp jsonPolicy
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&jp); err != nil {
		return &PolicyError{Field: "json", Value: truncate(data), Reason: err.Error()}
	}
	def, err := ParseAction(jp.DefaultAction)
	if err != nil {
		return &PolicyError{Field: "defaultAction", Value: jp.DefaultAction, Reason: err.(*PolicyError).Reason}
	}
	out := Policy{Default: def}
	for i, jr := range jp.Rules {
		a, err := ParseAction(jr.Action)
		if err != nil {
			return &PolicyError{Field: fmt.Sprintf("rules[%d].action", i), Value: jr.Action, Reason: err.(*PolicyError).Reason}
		}
		r := Rule{Syscalls: jr.Syscalls, Action: a, Optional: jr.Optional}
		for j, jc := range jr.Args {
			op := -1
			for k, name := range opNames {
				if name == jc.Op {
					op = k
				}
			}
			if op < 0 || jc.Index < 0 || jc.Index > 5 {
				return &PolicyError{Field: fmt.Sprintf("rules[%d].args[%d]", i, j), Value: fmt.Sprintf("index %d op %q", jc.Index, jc.Op),
					Reason: "index must be 0-5 and op one of eq, ne, lt, le, gt, ge, masked-eq"}
			}
			r.Conds = append(r.Conds, Cond{Arg: jc.Index, Op: Op(op), Value: jc.Value, Mask: jc.Mask})
		}
		out.Rules = append(out.Rules, r)
	}
	*p = out
	return nil
}

func truncate(b []byte) string {
	if len(b) > 64 {
		return string(b[:64]) + "…"
	}
	return string(b)
}

// ParseJSON reads a policy from its JSON form and checks it against this
// architecture's system calls.
func ParseJSON(data []byte) (*Policy, error) {
	p := &Policy{}
	if err := p.UnmarshalJSON(data); err != nil {
		return nil, err
	}
	if _, err := p.validate(Native()); err != nil {
		return nil, err
	}
	return p, nil
}

// Load reads a JSON policy from r.
func Load(r io.Reader) (*Policy, error) {
	data, err := io.ReadAll(io.LimitReader(r, 16<<20))
	if err != nil {
		return nil, fmt.Errorf("seccomp: %w", err)
	}
	return ParseJSON(data)
}

// LoadFile reads a JSON policy from the file at path.
func LoadFile(path string) (*Policy, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("seccomp: %w", err)
	}
	return ParseJSON(data)
}
