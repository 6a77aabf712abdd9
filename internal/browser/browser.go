// Package browser starts a headless Chromium for the tests that look at
// simlab's HTML reports the way a person does: a page loaded from file://,
// real mouse clicks, screenshots, and every console error and uncaught
// exception collected.
//
// It uses chromedp, which drives Chromium over the DevTools protocol
// without a separate driver. Chromium itself comes from the system (Debian's
// chromium package; .ci/run installs it): Find looks for it, and a test
// without one is skipped, unless SIMLAB_BROWSER=required, when it fails, so
// CI can never pass by not looking.
package browser

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// Find returns the path of a Chromium to run: $SIMLAB_CHROMIUM, or the
// first of chromium, chromium-browser and google-chrome on the PATH.
func Find() (string, error) {
	if p := os.Getenv("SIMLAB_CHROMIUM"); p != "" {
		return p, nil
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p, nil
		}
	}
	return "", fmt.Errorf("no Chromium found: install Debian's chromium package (apt-get install chromium) or set SIMLAB_CHROMIUM to a Chromium or Chrome binary")
}

// Page is one tab of a headless browser.
type Page struct {
	ctx    context.Context
	mu     sync.Mutex
	errors []string
}

// Open starts a headless browser for the test with a viewport of width by
// height CSS pixels, and closes it when the test ends. Without a browser
// it skips the test, or fails it when SIMLAB_BROWSER=required.
func Open(t testing.TB, width, height int) *Page {
	t.Helper()
	path, err := Find()
	if err != nil {
		if os.Getenv("SIMLAB_BROWSER") == "required" {
			t.Fatalf("SIMLAB_BROWSER=required: %v", err)
		}
		t.Skipf("%v (set SIMLAB_BROWSER=required to fail instead)", err)
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.NoSandbox, // CI runs as root, where Chromium's sandbox refuses to start
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("allow-file-access-from-files", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(width, height),
	)
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(actx)
	ctx, cancelTimeout := context.WithTimeout(ctx, 3*time.Minute)
	t.Cleanup(func() { cancelTimeout(); cancelCtx(); cancelAlloc() })
	p := &Page{ctx: ctx}
	if err := chromedp.Listen(ctx, p.listen); err != nil {
		t.Fatalf("starting %s: %v", path, err)
	}
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(int64(width), int64(height))); err != nil {
		t.Fatalf("starting %s: %v", path, err)
	}
	return p
}

func (p *Page) listen(ev any) {
	switch ev := ev.(type) {
	case *runtime.EventConsoleAPICalled:
		if ev.Type == runtime.ConsoleAPICalledTypeError || ev.Type == runtime.ConsoleAPICalledTypeAssert {
			var parts []string
			for _, a := range ev.Args {
				if a.Value != nil {
					parts = append(parts, string(a.Value))
				} else {
					parts = append(parts, a.Description)
				}
			}
			p.note("console." + string(ev.Type) + ": " + strings.Join(parts, " "))
		}
	case *runtime.EventExceptionThrown:
		d := ev.ExceptionDetails
		msg := d.Text
		if d.Exception != nil && d.Exception.Description != "" {
			msg += " " + d.Exception.Description
		}
		p.note(fmt.Sprintf("uncaught exception at %s:%d:%d: %s", d.URL, d.LineNumber+1, d.ColumnNumber+1, msg))
	}
}

func (p *Page) note(s string) {
	p.mu.Lock()
	p.errors = append(p.errors, s)
	p.mu.Unlock()
}

// Errors returns every console error and uncaught exception so far.
func (p *Page) Errors() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.errors...)
}

// Load opens a local file and waits until its scripts have run.
func (p *Page) Load(path string) error {
	abs, err := filepath.Abs(path)
	if err != nil {
		return err
	}
	return chromedp.Do(p.ctx, chromedp.Navigate("file://"+abs), chromedp.WaitReady("body"))
}

// Eval evaluates a JavaScript expression and decodes its value into T.
func Eval[T any](p *Page, expr string) (T, error) {
	return chromedp.Run(p.ctx, chromedp.Evaluate[T](expr))
}

// ClickXY clicks the left mouse button at a point of the page, in CSS
// pixels of the viewport.
func (p *Page) ClickXY(x, y float64) error {
	return chromedp.Do(p.ctx, chromedp.MouseClickXY(x, y))
}

// Click clicks the element a CSS selector finds.
func (p *Page) Click(selector string) error {
	return chromedp.Do(p.ctx, chromedp.Click(chromedp.CSS(selector)))
}

// Text returns the visible text of the element a CSS selector finds.
func (p *Page) Text(selector string) (string, error) {
	return chromedp.Run(p.ctx, chromedp.Text(chromedp.CSS(selector)))
}

// Screenshot writes a PNG of the viewport to path.
func (p *Page) Screenshot(path string) error {
	png, err := chromedp.Run(p.ctx, chromedp.CaptureScreenshot())
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return os.WriteFile(path, png, 0o644)
}
