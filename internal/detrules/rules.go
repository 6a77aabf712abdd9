package detrules

import (
	"fmt"
	"go/ast"
	"go/token"
	"go/types"
	"strconv"
	"strings"
)

// Rule names, as reported in Violation.Rule.
const (
	ruleGo       = "go"
	ruleChannel  = "channel"
	ruleImport   = "import"
	ruleRealTime = "realtime"
	ruleMapRange = "maprange"
	ruleGlobal   = "global"
)

// annotationPrefix starts a comment that allows one range over a map.
const annotationPrefix = "//simlab:unordered"

// readonlyPrefix starts a comment that allows one package-level variable:
// a table or registry written only while the program initializes.
const readonlyPrefix = "//simlab:readonly"

// forbiddenImport is a package, or a tree of packages, that code under the
// rules may not import, and what to do instead.
type forbiddenImport struct {
	path   string
	tree   bool // also forbid every package below path
	advice string
}

var forbiddenImports = []forbiddenImport{
	{"sync", true, "Handle is never called concurrently, so drop the locks and atomics"},
	{"os", true, "a node has no files, environment or process of its own: use env.Disk() for storage"},
	{"io/fs", true, "use env.Disk()"},
	{"io/ioutil", false, "use env.Disk()"},
	{"path/filepath", false, "use env.Disk(); its file names are plain strings"},
	{"net", true, "talk to other nodes with env.Send"},
	{"math/rand", true, "use env.Rand()"},
	{"crypto/rand", false, "use env.Rand()"},
	{"unsafe", false, "write plain, memory-safe Go"},
	{"runtime", true, "node logic must not depend on the Go runtime (scheduler, GC, goroutines)"},
	{"syscall", true, "a node has no operating system: use env.Disk(), env.Send and env.Now()"},
	{"log", true, "use env.Logf, which stamps virtual time and node"},
}

// realTimeAdvice maps the functions of package time that read the real
// clock or arm real timers to what to use instead.
var realTimeAdvice = map[string]string{
	"Now":       "use env.Now()",
	"Since":     "use env.Now() and subtract",
	"Until":     "use env.Now() and subtract",
	"Sleep":     "a handler must not block; use env.SetTimer and handle the *node.Timeout",
	"After":     "use env.SetTimer and handle the *node.Timeout",
	"AfterFunc": "use env.SetTimer and handle the *node.Timeout",
	"Tick":      "use env.SetTimer, re-arming it on each *node.Timeout",
	"NewTicker": "use env.SetTimer, re-arming it on each *node.Timeout",
	"NewTimer":  "use env.SetTimer and env.StopTimer",
}

// mapIterators are the functions of package maps whose iterators yield in
// map order.
var mapIterators = map[string]bool{"All": true, "Keys": true, "Values": true}

// annotation is one //simlab:unordered comment.
type annotation struct {
	comment *ast.Comment
	reason  string
	used    bool
}

// fileChecker applies the rules to one type-checked file.
type fileChecker struct {
	fset        *token.FileSet
	info        *types.Info
	annotations map[int]*annotation // by line
	readonly    map[int]*annotation // by line
	labelLines  map[*ast.RangeStmt]int
	violations  []Violation
}

// checkFile returns the violations in f, whose package was type-checked
// into info.
func checkFile(fset *token.FileSet, f *ast.File, info *types.Info) []Violation {
	c := &fileChecker{
		fset:        fset,
		info:        info,
		annotations: make(map[int]*annotation),
		readonly:    make(map[int]*annotation),
		labelLines:  make(map[*ast.RangeStmt]int),
	}
	c.collectAnnotations(f)
	c.checkImports(f)
	c.checkGlobals(f)
	ast.Inspect(f, c.visit)
	c.checkAnnotations(f)
	return c.violations
}

func (c *fileChecker) report(pos token.Pos, rule, format string, args ...any) {
	c.violations = append(c.violations, Violation{
		Pos:  c.fset.Position(pos),
		Rule: rule,
		Msg:  fmt.Sprintf(format, args...),
	})
}

func (c *fileChecker) collectAnnotations(f *ast.File) {
	for _, g := range f.Comments {
		for _, cm := range g.List {
			for _, kind := range []struct {
				prefix string
				into   map[int]*annotation
			}{{annotationPrefix, c.annotations}, {readonlyPrefix, c.readonly}} {
				prefix, into := kind.prefix, kind.into
				rest, ok := strings.CutPrefix(cm.Text, prefix)
				if !ok || rest != "" && rest[0] != ' ' && rest[0] != '\t' {
					continue
				}
				line := c.fset.Position(cm.Slash).Line
				if _, dup := into[line]; !dup {
					into[line] = &annotation{comment: cm, reason: strings.TrimSpace(rest)}
				}
			}
		}
	}
}

// checkGlobals reports package-level variables: state that outlives a run
// and is shared by every node of every world in the process. Allowed are
// the blank identifier, sentinel errors (errors.New, fmt.Errorf) and
// variables marked //simlab:readonly <reason>, on their line or the line
// before (or before their var group).
func (c *fileChecker) checkGlobals(f *ast.File) {
	for _, d := range f.Decls {
		g, ok := d.(*ast.GenDecl)
		if !ok || g.Tok != token.VAR {
			continue
		}
		groupLine := c.fset.Position(g.Pos()).Line
		for _, spec := range g.Specs {
			vs := spec.(*ast.ValueSpec)
			line := c.fset.Position(vs.Pos()).Line
			var a *annotation
			for _, l := range []int{line, line - 1, groupLine, groupLine - 1} {
				if a = c.readonly[l]; a != nil {
					break
				}
			}
			for i, name := range vs.Names {
				if name.Name == "_" || i < len(vs.Values) && c.isSentinelError(vs.Values[i]) {
					continue
				}
				switch {
				case a == nil:
					c.report(name.Pos(), ruleGlobal, "package-level variable %s: state kept between runs and shared by every node breaks replay; keep it in the node (the handler or its factory), or if it is a table written only at init, mark it %s <reason>", name.Name, readonlyPrefix)
				case a.reason == "":
					c.report(a.comment.Slash, ruleGlobal, "%s needs a reason: say why %s is never written after init", readonlyPrefix, name.Name)
				}
			}
		}
	}
}

// isSentinelError reports whether x is a call of errors.New or fmt.Errorf.
func (c *fileChecker) isSentinelError(x ast.Expr) bool {
	call, ok := ast.Unparen(x).(*ast.CallExpr)
	if !ok {
		return false
	}
	sel, ok := ast.Unparen(call.Fun).(*ast.SelectorExpr)
	if !ok {
		return false
	}
	fn, ok := c.info.Uses[sel.Sel].(*types.Func)
	if !ok || fn.Pkg() == nil {
		return false
	}
	p, n := fn.Pkg().Path(), fn.Name()
	return p == "errors" && n == "New" || p == "fmt" && n == "Errorf"
}

// checkAnnotations reports annotations that are empty or allow nothing. It
// runs after the walk, which marks the annotations it relied on.
func (c *fileChecker) checkAnnotations(f *ast.File) {
	for _, g := range f.Comments {
		for _, cm := range g.List {
			a := c.annotations[c.fset.Position(cm.Slash).Line]
			if a == nil || a.comment != cm {
				continue
			}
			switch {
			case !a.used:
				c.report(cm.Slash, ruleMapRange, "%s is not on or just above a range over a map: move it to the line before the loop it excuses, or delete it", annotationPrefix)
			case a.reason == "":
				c.report(cm.Slash, ruleMapRange, "%s needs a reason: say why the iteration order cannot reach behaviour or output", annotationPrefix)
			}
		}
	}
}

func (c *fileChecker) checkImports(f *ast.File) {
	for _, spec := range f.Imports {
		p, err := strconv.Unquote(spec.Path.Value)
		if err != nil {
			continue // the type checker has already accepted the file
		}
		for _, fi := range forbiddenImports {
			if p == fi.path || fi.tree && strings.HasPrefix(p, fi.path+"/") {
				c.report(spec.Path.Pos(), ruleImport, "import %q is forbidden: %s", p, fi.advice)
				break
			}
		}
	}
}

func (c *fileChecker) visit(n ast.Node) bool {
	switch n := n.(type) {
	case *ast.GoStmt:
		c.report(n.Go, ruleGo, "go statement: a handler must not start goroutines; do the work inline, or split it across events with env.SetTimer or env.Send")
	case *ast.ChanType:
		c.report(n.Begin, ruleChannel, "channel type: nodes talk by messages, not channels; use env.Send and handle *node.Recv")
	case *ast.SendStmt:
		c.report(n.Arrow, ruleChannel, "channel send: use env.Send")
	case *ast.UnaryExpr:
		if n.Op == token.ARROW {
			c.report(n.OpPos, ruleChannel, "channel receive: a handler must not block; handle the message as a *node.Recv event")
		}
	case *ast.SelectStmt:
		c.report(n.Select, ruleChannel, "select statement: a handler must not block; react to *node.Recv and *node.Timeout events instead")
	case *ast.SelectorExpr:
		if name, ok := c.realTimeFunc(n.Sel); ok {
			c.report(n.Pos(), ruleRealTime, "time.%s uses the real clock: %s", name, realTimeAdvice[name])
			return false
		}
	case *ast.Ident:
		// A dot import of package time: Now() rather than time.Now().
		if name, ok := c.realTimeFunc(n); ok {
			c.report(n.Pos(), ruleRealTime, "time.%s uses the real clock: %s", name, realTimeAdvice[name])
		}
	case *ast.LabeledStmt:
		if r, ok := n.Stmt.(*ast.RangeStmt); ok {
			c.labelLines[r] = c.fset.Position(n.Pos()).Line
		}
	case *ast.RangeStmt:
		c.checkRange(n)
	}
	return true
}

// realTimeFunc reports whether id refers to one of the real-time functions
// of package time, and which.
func (c *fileChecker) realTimeFunc(id *ast.Ident) (string, bool) {
	fn, ok := c.info.Uses[id].(*types.Func)
	if !ok || fn.Pkg() == nil || fn.Pkg().Path() != "time" {
		return "", false
	}
	if _, ok := realTimeAdvice[fn.Name()]; !ok {
		return "", false
	}
	if sig, ok := fn.Type().(*types.Signature); !ok || sig.Recv() != nil {
		return "", false // a method such as Time.After, which reads no clock
	}
	return fn.Name(), true
}

func (c *fileChecker) checkRange(r *ast.RangeStmt) {
	tv, ok := c.info.Types[r.X]
	if !ok {
		return
	}
	if isChan(tv.Type) {
		c.report(r.For, ruleChannel, "range over a channel: a handler must not block; handle each message as a *node.Recv event")
		return
	}
	var what, sorted string
	switch {
	case isMap(tv.Type):
		what = "map " + types.ExprString(r.X)
		sorted = "node.SortedKeys(" + types.ExprString(r.X) + ")"
	case c.isMapIterator(r.X):
		what = types.ExprString(r.X)
		sorted = "node.SortedKeys(m)"
	default:
		return
	}
	if a := c.annotationFor(r); a != nil {
		a.used = true
		return
	}
	c.report(r.For, ruleMapRange, "range over %s: map iteration order is random; iterate %s or keep a slice, or if the order cannot reach behaviour or output, say why in a %s <reason> comment on the line before", what, sorted, annotationPrefix)
}

// annotationFor returns the annotation on the line of r's for keyword (or
// of its label) or on the line before, if any.
func (c *fileChecker) annotationFor(r *ast.RangeStmt) *annotation {
	line := c.fset.Position(r.For).Line
	lines := []int{line, line - 1}
	if l, ok := c.labelLines[r]; ok {
		lines = append(lines, l, l-1)
	}
	for _, l := range lines {
		if a := c.annotations[l]; a != nil {
			return a
		}
	}
	return nil
}

// isMapIterator reports whether x is a call of maps.All, maps.Keys or
// maps.Values, whose iterators yield in map order.
func (c *fileChecker) isMapIterator(x ast.Expr) bool {
	call, ok := ast.Unparen(x).(*ast.CallExpr)
	if !ok {
		return false
	}
	var id *ast.Ident
	switch fun := ast.Unparen(call.Fun).(type) {
	case *ast.Ident:
		id = fun
	case *ast.SelectorExpr:
		id = fun.Sel
	case *ast.IndexExpr: // maps.Keys[map[string]int](m)
		if sel, ok := fun.X.(*ast.SelectorExpr); ok {
			id = sel.Sel
		}
	case *ast.IndexListExpr:
		if sel, ok := fun.X.(*ast.SelectorExpr); ok {
			id = sel.Sel
		}
	}
	if id == nil {
		return false
	}
	fn, ok := c.info.Uses[id].(*types.Func)
	return ok && fn.Pkg() != nil && fn.Pkg().Path() == "maps" && mapIterators[fn.Name()]
}

// isMap reports whether ranging over a value of type t iterates a map: t's
// underlying type is a map, or t is a type parameter whose constraint
// admits a map type.
func isMap(t types.Type) bool {
	return anyCoreType(t, func(u types.Type) bool {
		_, ok := u.(*types.Map)
		return ok
	})
}

// isChan is isMap for channels.
func isChan(t types.Type) bool {
	return anyCoreType(t, func(u types.Type) bool {
		_, ok := u.(*types.Chan)
		return ok
	})
}

// anyCoreType reports whether pred holds for the underlying type of t or,
// when t is a type parameter, for that of any type term of its constraint.
func anyCoreType(t types.Type, pred func(types.Type) bool) bool {
	if tp, ok := types.Unalias(t).(*types.TypeParam); ok {
		iface, ok := tp.Constraint().Underlying().(*types.Interface)
		return ok && anyTerm(iface, pred, 0)
	}
	return pred(t.Underlying())
}

func anyTerm(iface *types.Interface, pred func(types.Type) bool, depth int) bool {
	if depth > 10 {
		return false
	}
	for i := range iface.NumEmbeddeds() {
		switch e := iface.EmbeddedType(i).(type) {
		case *types.Union:
			for j := range e.Len() {
				if u := e.Term(j).Type().Underlying(); pred(u) {
					return true
				} else if in, ok := u.(*types.Interface); ok && anyTerm(in, pred, depth+1) {
					return true
				}
			}
		default:
			u := e.Underlying()
			if in, ok := u.(*types.Interface); ok {
				if anyTerm(in, pred, depth+1) {
					return true
				}
			} else if pred(u) {
				return true
			}
		}
	}
	return false
}
