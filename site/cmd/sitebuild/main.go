// Command sitebuild builds the embed's static files into site/dist, the
// directory Workers Static Assets serves: the Go wasm module, wasm_exec.js
// from the running toolchain (so it always matches the compiler), the
// worker shim, the widget page's script and style, each under a
// content-hashed name, plus embed.js under its stable name for the script
// tag. Every file also gets .br and .gz siblings and an entry with its
// sha256 in dist/manifest.json; the map from logical to hashed names goes
// to worker/assets/manifest/assets.json for the pages the worker renders
// (the widget, and every file under site/src/pages).
//
// It is run by scripts/build-site [--dev]. The build is production unless
// --dev is given: then the module embeds the local dev keyset keys/dev.json
// (tag kycvs_dev) and refuses to work off a loopback origin.
package main

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
)

type fileEntry struct {
	Path   string `json:"path"`
	SHA256 string `json:"sha256"`
	Size   int    `json:"size"`
	Gzip   int    `json:"gzip"`
	Brotli int    `json:"brotli"`
}

type manifest struct {
	WasmTags []string             `json:"wasm_tags"`
	Files    map[string]fileEntry `json:"files"`
}

// options are sitebuild's flags.
type options struct {
	root, out, assets string
	// dev asks for a development build: the module embeds keys/dev.json
	// (tag kycvs_dev) and then works only on a loopback origin. Never the
	// default: a build is production unless dev is asked for by name.
	dev bool
}

// parseFlags parses args; errors and -h go to stderr, with the usage.
func parseFlags(args []string, stderr io.Writer) (options, error) {
	var o options
	fs := flag.NewFlagSet("sitebuild", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.root, "root", ".", "repository root")
	fs.StringVar(&o.out, "out", "site/dist", "output directory (replaced)")
	fs.StringVar(&o.assets, "assets", "worker/assets/manifest/assets.json", "logical→hashed name map for the widget package")
	fs.BoolVar(&o.dev, "dev", false, "development build: the module trusts keys/dev.json (tag kycvs_dev) and works only on a loopback origin")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if fs.NArg() > 0 {
		err := fmt.Errorf("unexpected arguments %q", fs.Args())
		fmt.Fprintln(stderr, err)
		fs.Usage()
		return o, err
	}
	return o, nil
}

// wasmTags returns the module's build tags: always kycvs_verifyonly (no
// encoder, fmt, encoding/json or crypto/*: wasm/SIZE.md), and kycvs_dev
// only when the build asks for dev.
func wasmTags(o options) []string {
	if o.dev {
		return []string{"kycvs_verifyonly", "kycvs_dev"}
	}
	return []string{"kycvs_verifyonly"}
}

func main() {
	o, err := parseFlags(os.Args[1:], os.Stderr)
	if err != nil {
		os.Exit(2)
	}
	if err := run(o); err != nil {
		fmt.Fprintln(os.Stderr, "sitebuild:", err)
		os.Exit(1)
	}
}

func run(o options) error {
	out, assetsOut := o.out, o.assets
	if err := os.Chdir(o.root); err != nil {
		return err
	}
	if o.dev {
		if _, err := os.Stat("keys/dev.json"); err != nil {
			return fmt.Errorf("--dev needs keys/dev.json (go run ./cmd/kycvs-admin devkeys writes it): %w", err)
		}
	}
	tags := wasmTags(o)
	tagArg := strings.Join(tags, ",")

	// The browser module must not link the encoder: it would add msgp's
	// init (encoding/json, fmt) to every widget load.
	deps, err := command("go", []string{"GOOS=js", "GOARCH=wasm"}, "list", "-deps", "-tags", tagArg, "./wasm")
	if err != nil {
		return fmt.Errorf("listing wasm deps: %w", err)
	}
	if strings.Contains(string(deps), "tinylib/msgp") {
		return fmt.Errorf("the wasm module links tinylib/msgp; it must build with -tags kycvs_verifyonly without it")
	}

	tmp, err := os.MkdirTemp("", "sitebuild")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	wasmPath := filepath.Join(tmp, "kycvs.wasm")
	if _, err := command("go", []string{"GOOS=js", "GOARCH=wasm"}, "build", "-trimpath", "-ldflags=-s -w", "-tags", tagArg, "-o", wasmPath, "./wasm"); err != nil {
		return fmt.Errorf("building wasm: %w", err)
	}
	goroot, err := command("go", nil, "env", "GOROOT")
	if err != nil {
		return err
	}

	// Build next to out and swap it in at the end, so that a server or test
	// reading out (wrangler dev watches it) never sees a half-built site.
	final := out
	if err := os.MkdirAll(filepath.Dir(final), 0o755); err != nil {
		return err
	}
	out, err = os.MkdirTemp(filepath.Dir(final), ".dist-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(out)
	if err := os.Chmod(out, 0o755); err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Join(out, "a"), 0o755); err != nil {
		return err
	}
	m := manifest{WasmTags: tags, Files: map[string]fileEntry{}}
	names := map[string]string{}

	read := func(p string) []byte {
		if err == nil {
			var b []byte
			b, err = os.ReadFile(p)
			return b
		}
		return nil
	}
	wasmBytes := read(wasmPath)
	wasmExec := read(filepath.Join(strings.TrimSpace(string(goroot)), "lib", "wasm", "wasm_exec.js"))
	workerJS := read("site/src/worker.js")
	widgetJS := read("site/src/widget.js")
	widgetCSS := read("site/src/widget.css")
	embedJS := read("site/src/embed.js")
	headers := read("site/src/_headers")
	if err != nil {
		return err
	}

	hashed := func(logical string, data []byte) error {
		ext := filepath.Ext(logical)
		sum := sha256.Sum256(data)
		p := "/a/" + strings.TrimSuffix(logical, ext) + "." + hex.EncodeToString(sum[:5]) + ext
		names[logical] = p
		return emit(out, logical, p, data, &m)
	}
	steps := []func() error{
		func() error { return hashed("kycvs.wasm", wasmBytes) },
		func() error { return hashed("wasm_exec.js", wasmExec) },
		func() error {
			return hashed("worker.js", subst(workerJS, "__WASM_EXEC__", names["wasm_exec.js"], "__WASM__", names["kycvs.wasm"]))
		},
		func() error { return hashed("widget.css", widgetCSS) },
		func() error { return hashed("widget.js", widgetJS) },
		func() error {
			return emit(out, "embed.js", "/embed.js", subst(embedJS, "__WORKER_JS__", names["worker.js"]), &m)
		},
	}
	for _, s := range steps {
		if err := s(); err != nil {
			return err
		}
	}
	// The worker-rendered pages' scripts, styles and images (site/src/pages:
	// book/, centre/, gate/, pass/, common/): each hashed under its path
	// relative to pages/, e.g. "book/book.js", which worker/assets maps.
	if err := hashPages("site/src/pages", names, hashed); err != nil {
		return err
	}
	// Workers Static Assets compresses on its own and would serve .br/.gz
	// as plain files, so they stay out of the upload; they are for hosts
	// that serve pre-compressed files and for the size report.
	if err := os.WriteFile(filepath.Join(out, ".assetsignore"), []byte("*.br\n*.gz\n"), 0o644); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(out, "_headers"), headers, 0o644); err != nil {
		return err
	}
	mj, _ := json.MarshalIndent(m, "", "  ")
	if err := os.WriteFile(filepath.Join(out, "manifest.json"), append(mj, '\n'), 0o644); err != nil {
		return err
	}
	old := final + ".old"
	os.RemoveAll(old)
	if err := os.Rename(final, old); err != nil && !os.IsNotExist(err) {
		return err
	}
	if err := os.Rename(out, final); err != nil {
		return err
	}
	os.RemoveAll(old)
	aj, _ := json.MarshalIndent(names, "", "  ")
	if err := os.MkdirAll(filepath.Dir(assetsOut), 0o755); err != nil {
		return err
	}
	if err := writeAtomic(assetsOut, append(aj, '\n')); err != nil {
		return err
	}
	keys := make([]string, 0, len(m.Files))
	for k := range m.Files {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	fmt.Printf("%-14s %-32s %9s %9s %9s\n", "file", "path", "raw", "gzip", "brotli")
	for _, k := range keys {
		f := m.Files[k]
		fmt.Printf("%-14s %-32s %9d %9d %9d\n", k, f.Path, f.Size, f.Gzip, f.Brotli)
	}
	fmt.Printf("wasm tags: %s\n", tagArg)
	if o.dev {
		fmt.Println("DEVELOPMENT build: the module trusts the dev key of keys/dev.json and works only on a loopback origin; never deploy it")
	}
	return nil
}

// pageExts are the kinds of file a page directory may ship; anything else
// there (notes, tests) stays out of the site.
var pageExts = map[string]bool{".js": true, ".mjs": true, ".css": true, ".svg": true, ".png": true, ".json": true, ".webmanifest": true, ".woff2": true, ".mp3": true, ".wav": true}

// hashPages emits every page file under dir, in path order, with the
// module's placeholders (__WORKER_JS__, __WASM_EXEC__, __WASM__) replaced
// by their hashed paths, so a page script can start the verifying module.
func hashPages(dir string, names map[string]string, hashed func(string, []byte) error) error {
	var files []string
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !pageExts[filepath.Ext(p)] || strings.HasSuffix(p, ".test.js") {
			return err
		}
		files = append(files, p)
		return nil
	})
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		return err
	}
	sort.Strings(files)
	for _, p := range files {
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		data = subst(data, "__WORKER_JS__", names["worker.js"], "__WASM_EXEC__", names["wasm_exec.js"], "__WASM__", names["kycvs.wasm"])
		if err := hashed(filepath.ToSlash(rel), data); err != nil {
			return err
		}
	}
	return nil
}

func subst(b []byte, kv ...string) []byte {
	for i := 0; i+1 < len(kv); i += 2 {
		b = bytes.ReplaceAll(b, []byte(kv[i]), []byte(kv[i+1]))
	}
	return b
}

// emit writes data at out+path with its .gz and .br siblings and records it.
func emit(out, logical, path string, data []byte, m *manifest) error {
	if bytes.Contains(data, []byte("__WASM")) || bytes.Contains(data, []byte("__WORKER_JS__")) {
		return fmt.Errorf("%s: unreplaced placeholder", logical)
	}
	dst := filepath.Join(out, filepath.FromSlash(strings.TrimPrefix(path, "/")))
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(dst, data, 0o644); err != nil {
		return err
	}
	var gz bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&gz, gzip.BestCompression)
	zw.Write(data)
	zw.Close()
	if err := os.WriteFile(dst+".gz", gz.Bytes(), 0o644); err != nil {
		return err
	}
	if _, err := command("brotli", nil, "-q", "11", "-f", "-o", dst+".br", dst); err != nil {
		return fmt.Errorf("brotli (scripts/setup installs it): %w", err)
	}
	br, err := os.Stat(dst + ".br")
	if err != nil {
		return err
	}
	sum := sha256.Sum256(data)
	m.Files[logical] = fileEntry{Path: path, SHA256: hex.EncodeToString(sum[:]), Size: len(data), Gzip: gz.Len(), Brotli: int(br.Size())}
	return nil
}

func command(name string, env []string, args ...string) ([]byte, error) {
	cmd := exec.Command(name, args...)
	cmd.Env = append(os.Environ(), env...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	b, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w: %s", name, strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
	}
	return b, nil
}

// writeAtomic replaces path with data through a rename, so a concurrent
// compile never embeds a truncated file.
func writeAtomic(path string, data []byte) error {
	f, err := os.CreateTemp(filepath.Dir(path), ".tmp-")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Chmod(f.Name(), 0o644); err != nil {
		return err
	}
	return os.Rename(f.Name(), path)
}
