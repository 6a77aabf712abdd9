package detrules

import (
	"errors"
	"fmt"
	"go/ast"
	"go/build"
	"go/importer"
	"go/parser"
	"go/token"
	"go/types"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
)

// maxTypeErrors bounds how many type errors of one package are reported.
const maxTypeErrors = 10

// A loader parses and type-checks packages. It is a types.ImporterFrom:
// packages of the module found around the checked directory are loaded from
// source by the loader itself, keeping their syntax and type information so
// that a package imported by one checked package and checked itself is
// loaded once; every other import goes to the "source" importer of
// go/importer. A loader is used by one goroutine at a time.
type loader struct {
	fset    *token.FileSet
	modRoot string // directory holding go.mod; "" when there is none
	modPath string // module path declared in go.mod
	other   types.ImporterFrom
	pkgs    map[string]*loadedPackage // module-local packages by import path
}

// loadedPackage is one module-local package, loaded or being loaded.
type loadedPackage struct {
	files   []*ast.File
	types   *types.Package
	info    *types.Info
	err     error
	loading bool // set while the package is being type-checked, to catch cycles
}

// newLoader returns a loader for checking directories in or below dir.
func newLoader(dir string) (*loader, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	fset := token.NewFileSet()
	l := &loader{
		fset:  fset,
		other: importer.ForCompiler(fset, "source", nil).(types.ImporterFrom),
		pkgs:  make(map[string]*loadedPackage),
	}
	l.modRoot, l.modPath, err = findModule(abs)
	if err != nil {
		return nil, err
	}
	return l, nil
}

// findModule walks up from dir to the nearest go.mod and returns its
// directory and module path, or two empty strings if there is none.
func findModule(dir string) (root, modPath string, err error) {
	for d := dir; ; {
		data, err := os.ReadFile(filepath.Join(d, "go.mod"))
		if err == nil {
			for line := range strings.Lines(string(data)) {
				fields := strings.Fields(line)
				if len(fields) >= 2 && fields[0] == "module" {
					return d, strings.Trim(fields[1], "\"`"), nil
				}
			}
			return "", "", fmt.Errorf("detrules: %s has no module directive", filepath.Join(d, "go.mod"))
		}
		if !errors.Is(err, fs.ErrNotExist) {
			return "", "", err
		}
		parent := filepath.Dir(d)
		if parent == d {
			return "", "", nil
		}
		d = parent
	}
}

// importPath returns the import path of the package in directory dir, which
// must be absolute. A directory outside the module gets a path that cannot
// collide with a real one.
func (l *loader) importPath(dir string) string {
	if l.modRoot != "" {
		rel, err := filepath.Rel(l.modRoot, dir)
		if err == nil && rel == "." {
			return l.modPath
		}
		if err == nil && filepath.IsLocal(rel) {
			return path.Join(l.modPath, filepath.ToSlash(rel))
		}
	}
	return "_" + filepath.ToSlash(dir)
}

// localDir returns the directory of importPath if it belongs to the module.
func (l *loader) localDir(importPath string) (string, bool) {
	if l.modRoot == "" {
		return "", false
	}
	if importPath == l.modPath {
		return l.modRoot, true
	}
	rest, ok := strings.CutPrefix(importPath, l.modPath+"/")
	if !ok {
		return "", false
	}
	return filepath.Join(l.modRoot, filepath.FromSlash(rest)), true
}

// Import implements types.Importer.
func (l *loader) Import(importPath string) (*types.Package, error) {
	return l.ImportFrom(importPath, "", 0)
}

// ImportFrom implements types.ImporterFrom.
func (l *loader) ImportFrom(importPath, dir string, mode types.ImportMode) (*types.Package, error) {
	if pkgDir, ok := l.localDir(importPath); ok {
		p := l.load(importPath, pkgDir)
		if p.err != nil {
			// Not wrapped: the caller must not mistake a dependency's
			// *build.NoGoError for its own.
			return nil, fmt.Errorf("%v", p.err)
		}
		return p.types, nil
	}
	return l.other.ImportFrom(importPath, dir, mode)
}

// load parses and type-checks the module-local package importPath in dir,
// once; later calls return the same result.
func (l *loader) load(importPath, dir string) *loadedPackage {
	if p, ok := l.pkgs[importPath]; ok {
		if p.loading {
			return &loadedPackage{err: fmt.Errorf("import cycle through %s", importPath)}
		}
		return p
	}
	p := &loadedPackage{loading: true}
	l.pkgs[importPath] = p
	p.files, p.types, p.info, p.err = l.typeCheck(importPath, dir)
	p.loading = false
	return p
}

// typeCheck parses the files go build would compile in dir and type-checks
// them as package importPath.
func (l *loader) typeCheck(importPath, dir string) ([]*ast.File, *types.Package, *types.Info, error) {
	bp, err := build.Default.ImportDir(dir, 0)
	if err != nil {
		return nil, nil, nil, err
	}
	if len(bp.GoFiles)+len(bp.CgoFiles) == 0 {
		// go/build is content with test files alone; a checker is not.
		return nil, nil, nil, &build.NoGoError{Dir: dir}
	}
	if len(bp.CgoFiles) > 0 {
		return nil, nil, nil, fmt.Errorf("detrules: %s: cannot check cgo files %v", dir, bp.CgoFiles)
	}
	files := make([]*ast.File, 0, len(bp.GoFiles))
	for _, name := range bp.GoFiles {
		f, err := parser.ParseFile(l.fset, filepath.Join(dir, name), nil, parser.ParseComments|parser.SkipObjectResolution)
		if err != nil {
			return nil, nil, nil, err
		}
		files = append(files, f)
	}
	info := &types.Info{
		Types: make(map[ast.Expr]types.TypeAndValue),
		Uses:  make(map[*ast.Ident]types.Object),
	}
	var typeErrs []error
	conf := types.Config{
		Importer: l,
		Error: func(err error) {
			if len(typeErrs) < maxTypeErrors {
				typeErrs = append(typeErrs, err)
			}
		},
	}
	pkg, _ := conf.Check(importPath, l.fset, files, info)
	if len(typeErrs) > 0 {
		return nil, nil, nil, fmt.Errorf("detrules: type-checking %s:\n%w", importPath, errors.Join(typeErrs...))
	}
	return files, pkg, info, nil
}

// checkDir loads the package in dir and applies the rules to it. It returns
// the violations found and the number of files checked. A directory without
// Go files yields a *build.NoGoError.
func (l *loader) checkDir(dir string) ([]Violation, int, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, 0, err
	}
	p := l.load(l.importPath(abs), abs)
	if p.err != nil {
		return nil, 0, p.err
	}
	var vs []Violation
	for _, f := range p.files {
		vs = append(vs, checkFile(l.fset, f, p.info)...)
	}
	return vs, len(p.files), nil
}
