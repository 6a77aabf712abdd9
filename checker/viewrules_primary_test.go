package checker

import (
	"strings"
	"testing"
)

func TestPrimaryBackup(t *testing.T) {
	const s1, s2, s3 = 1, 2, 3
	alone := PBView{Viewnum: 1, Primary: s1, Backup: NoServer}
	pair := PBView{Viewnum: 2, Primary: s1, Backup: s2}
	next := PBView{Viewnum: 3, Primary: s2, Backup: s3}
	r1, r2 := RequestID{Client: 7, Seq: 1}, RequestID{Client: 7, Seq: 2}
	tests := []struct {
		name string
		run  func(p *PrimaryBackup) error // the last step's error
		want string                       // in the error; "" for none
	}{
		{"a primary alone answers at once", func(p *PrimaryBackup) error {
			return p.Answered(s1, 1, alone, r1)
		}, ""},
		{"a primary answers once its backup acknowledged", func(p *PrimaryBackup) error {
			if err := p.Acknowledged(s2, 1, pair, s1, 2, r1); err != nil {
				return err
			}
			return p.Answered(s1, 1, pair, r1)
		}, ""},
		{"a retry answered in a later view from what a backup applied", func(p *PrimaryBackup) error {
			p.Acknowledged(s2, 1, pair, s1, 2, r1)
			return p.Answered(s2, 1, next, r1)
		}, ""},
		{"a retry answered with a backup, of what a primary alone applied", func(p *PrimaryBackup) error {
			p.Answered(s1, 1, alone, r1)
			return p.Answered(s1, 1, pair, r1)
		}, ""},
		{"an answer before the backup's acknowledgment", func(p *PrimaryBackup) error {
			p.Acknowledged(s2, 1, pair, s1, 2, r1)
			return p.Answered(s1, 1, pair, r2)
		}, "server 1 answered client 7's request 2 as primary of view 2 before its backup server 2 acknowledged it"},
		{"an answer by a server that knows it is not primary", func(p *PrimaryBackup) error {
			p.Acknowledged(s3, 1, next, s2, 3, r1)
			return p.Answered(s1, 1, next, r1)
		}, "while the view it knows (3) names server 2 primary"},
		{"an answer by a backup", func(p *PrimaryBackup) error {
			return p.Answered(s2, 1, pair, r1)
		}, "only the primary of a view answers"},
		{"an acknowledgment of a replaced primary's forward", func(p *PrimaryBackup) error {
			return p.Acknowledged(s2, 1, next, s1, 2, r1)
		}, "forwarded by server 1 for view 2, while the view it knows is 3"},
		{"an acknowledgment by a server that is not the backup", func(p *PrimaryBackup) error {
			return p.Acknowledged(s3, 1, pair, s1, 2, r1)
		}, "a backup applies only what the primary of its own view forwards"},
		{"the first view's primary restarted, answering from nothing", func(p *PrimaryBackup) error {
			return p.Answered(s1, 2, alone, r1)
		}, "server 1 answered client 7's request 1 as primary of view 1 in an incarnation that never held the state"},
		{"a restarted backup acknowledging", func(p *PrimaryBackup) error {
			return p.Acknowledged(s2, 2, pair, s1, 2, r1)
		}, "server 2 acknowledged client 7's request 1 in an incarnation that never held the state"},
		{"a restarted server that received a transfer", func(p *PrimaryBackup) error {
			p.Received(s1, 2)
			return p.Answered(s1, 2, alone, r1)
		}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := NewPrimaryBackup()
			p.Founded(s1, 1) // incarnation 1 of every server holds the state
			p.Received(s2, 1)
			p.Received(s3, 1)
			err := tt.run(p)
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("got %v, want none", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Errorf("got %v, want an error saying %q", err, tt.want)
			}
		})
	}
}

func TestPrimaryBackupReplicas(t *testing.T) {
	long := strings.Repeat("c0.1 ", 30)
	tests := []struct {
		name            string
		primary, backup map[string]string
		want            string // in the error; "" for none
	}{
		{"the same", map[string]string{"a": "x ", "b": "y "}, map[string]string{"b": "y ", "a": "x "}, ""},
		{"a missing key holds nothing", map[string]string{"a": ""}, map[string]string{}, ""},
		{"a value apart", map[string]string{"a": "x ", "b": "y "}, map[string]string{"a": "x ", "b": "z "}, `key "b" differs: "y " at s1, "z " at s2`},
		{"a key the backup lacks", map[string]string{"a": "x "}, map[string]string{}, `key "a" differs: "x " at s1, "" at s2`},
		{"a long value apart at its end", map[string]string{"k": long + "c1.2 "}, map[string]string{"k": long}, "155 bytes, …"},
		{"the first key apart is named", map[string]string{"a": "1 ", "b": "2 "}, map[string]string{"a": "3 ", "b": "4 "}, `key "a" differs`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := NewPrimaryBackup()
			p.Names = func(s int) string { return []string{"s0", "s1", "s2"}[s] }
			err := p.Replicas(1, 2, 4, RequestID{Client: 3, Seq: 9}, tt.primary, tt.backup)
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("got %v, want none", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Errorf("got %v, want an error saying %q", err, tt.want)
			}
		})
	}
}
