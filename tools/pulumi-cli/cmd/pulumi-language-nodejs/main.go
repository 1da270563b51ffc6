// Command pulumi-language-nodejs is csp-seats' stand-in for Pulumi's Node.js
// language host.
//
// Why it exists: the Go module proxy this project can reach serves
// github.com/pulumi/pulumi/pkg/v3 and sdk/v3 (so the real `pulumi` CLI is built
// from there), but it answers "403 This module version is not available" for
// every version of github.com/pulumi/pulumi/sdk/nodejs/cmd/pulumi-language-nodejs/v3,
// so the upstream language host cannot be built here. See docs/pulumi-cli.md.
//
// What it does: it speaks the LanguageRuntime gRPC protocol of sdk/v3 and, for
// Run, starts `node <@pulumi/pulumi>/cmd/run ...` exactly the way the node SDK's
// run script expects (flags --monitor/--engine/--project/--stack/..., config in
// PULUMI_CONFIG and PULUMI_CONFIG_SECRET_KEYS, TypeScript settings in
// PULUMI_NODEJS_TYPESCRIPT / PULUMI_NODEJS_TSCONFIG_PATH). The program itself is
// run by the @pulumi/pulumi npm package installed in the project, so resource
// registration, dynamic providers, secrets and outputs behave as with upstream.
//
// Not implemented (the engine treats them as unsupported): code generation
// (GenerateProgram/Project/Package), Pack, Link, Template and RunPlugin (Node.js
// *provider plugins* with a PulumiPlugin.yaml). Dynamic providers do not need
// RunPlugin: they run through the pulumi-resource-pulumi-nodejs shim.
//
// node is looked up on $PATH, like the upstream host does.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"

	"google.golang.org/grpc"
	pbempty "google.golang.org/protobuf/types/known/emptypb"

	"github.com/pulumi/pulumi/sdk/v3/go/common/util/rpcutil"
	"github.com/pulumi/pulumi/sdk/v3/go/common/version"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
)

// nodeJSProcessExitedAfterLoggingUserActionableMessage is the exit code the
// node SDK's cmd/run uses when it has already reported the error to the user
// (see @pulumi/pulumi/cmd/run/index.js); the engine should then just bail.
const nodeJSProcessExitedAfterLoggingUserActionableMessage = 32

func main() {
	engineAddress, tracing := parseArgs(os.Args[1:])

	host := &nodeLanguageHost{engineAddress: engineAddress, tracing: tracing}
	handle, err := rpcutil.ServeWithOptions(rpcutil.ServeOptions{
		Init: func(srv *grpc.Server) error {
			pulumirpc.RegisterLanguageRuntimeServer(srv, host)
			return nil
		},
		Options: rpcutil.OpenTracingServerInterceptorOptions(nil),
	})
	if err != nil {
		fmt.Fprintf(os.Stderr, "fatal: could not start language host RPC server: %v\n", err)
		os.Exit(1)
	}

	// The engine reads the port from the first line of stdout.
	fmt.Printf("%d\n", handle.Port)

	if err := <-handle.Done; err != nil {
		fmt.Fprintf(os.Stderr, "fatal: language host RPC stopped serving: %v\n", err)
		os.Exit(1)
	}
}

// parseArgs accepts what the engine passes to language plugins:
// [--logtostderr] [-v=N] [--tracing URL] [other -flag[=value]...] ENGINE_ADDRESS.
// Unknown flags (e.g. the old -typescript=..., -root=...) are ignored; the
// runtime options arrive with each request in ProgramInfo.Options.
func parseArgs(args []string) (engineAddress, tracing string) {
	var positional []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		if !strings.HasPrefix(a, "-") {
			positional = append(positional, a)
			continue
		}
		name := strings.TrimLeft(a, "-")
		if name == "tracing" && i+1 < len(args) {
			tracing = args[i+1]
			i++
		} else if strings.HasPrefix(name, "tracing=") {
			tracing = strings.TrimPrefix(name, "tracing=")
		}
	}
	if len(positional) > 0 {
		engineAddress = positional[len(positional)-1]
	}
	return engineAddress, tracing
}

type nodeLanguageHost struct {
	pulumirpc.UnimplementedLanguageRuntimeServer

	mu            sync.Mutex
	engineAddress string
	tracing       string
}

func (host *nodeLanguageHost) Handshake(
	ctx context.Context, req *pulumirpc.LanguageHandshakeRequest,
) (*pulumirpc.LanguageHandshakeResponse, error) {
	host.mu.Lock()
	defer host.mu.Unlock()
	if req.GetEngineAddress() != "" {
		host.engineAddress = req.GetEngineAddress()
	}
	return &pulumirpc.LanguageHandshakeResponse{}, nil
}

func (host *nodeLanguageHost) GetPluginInfo(ctx context.Context, _ *pbempty.Empty) (*pulumirpc.PluginInfo, error) {
	return &pulumirpc.PluginInfo{Version: version.Version}, nil
}

func (host *nodeLanguageHost) Cancel(ctx context.Context, _ *pbempty.Empty) (*pbempty.Empty, error) {
	return &pbempty.Empty{}, nil
}

func (host *nodeLanguageHost) RuntimeOptionsPrompts(
	ctx context.Context, req *pulumirpc.RuntimeOptionsRequest,
) (*pulumirpc.RuntimeOptionsResponse, error) {
	return &pulumirpc.RuntimeOptionsResponse{}, nil
}

// runtimeOptions are the `runtime.options` of Pulumi.yaml that matter here.
type runtimeOptions struct {
	typescript     bool
	tsconfig       string
	nodeargs       []string
	packagemanager string
}

func parseOptions(info *pulumirpc.ProgramInfo) runtimeOptions {
	opts := runtimeOptions{typescript: true}
	if info == nil || info.GetOptions() == nil {
		return opts
	}
	m := info.GetOptions().AsMap()
	if v, ok := m["typescript"]; ok {
		switch t := v.(type) {
		case bool:
			opts.typescript = t
		case string:
			if b, err := strconv.ParseBool(t); err == nil {
				opts.typescript = b
			}
		}
	}
	if v, ok := m["tsconfig"].(string); ok {
		opts.tsconfig = v
	}
	if v, ok := m["nodeargs"].(string); ok {
		opts.nodeargs = strings.Fields(v)
	}
	if v, ok := m["packagemanager"].(string); ok {
		opts.packagemanager = v
	}
	return opts
}

// programDir returns the directory the program runs in.
func programDir(info *pulumirpc.ProgramInfo, pwd string) string {
	if info != nil && info.GetProgramDirectory() != "" {
		return info.GetProgramDirectory()
	}
	if pwd != "" {
		return pwd
	}
	wd, err := os.Getwd()
	if err != nil {
		return "."
	}
	return wd
}

func rootDir(info *pulumirpc.ProgramInfo, fallback string) string {
	if info != nil && info.GetRootDirectory() != "" {
		return info.GetRootDirectory()
	}
	return fallback
}

// locateRunScript finds @pulumi/pulumi/cmd/run as node would from dir.
func locateRunScript(nodeBin, dir string) (string, error) {
	if p := os.Getenv("PULUMI_LANGUAGE_NODEJS_RUN_PATH"); p != "" {
		return p, nil
	}
	cmd := exec.Command(nodeBin, "-e", "process.stdout.write(require.resolve('@pulumi/pulumi/cmd/run'))")
	cmd.Dir = dir
	out, err := cmd.Output()
	if err == nil && len(out) > 0 {
		return string(out), nil
	}
	return "", errors.New("It looks like the Pulumi SDK has not been installed. " +
		"Have you run npm install or yarn install? (could not resolve @pulumi/pulumi/cmd/run from " + dir + ")")
}

func (host *nodeLanguageHost) Run(ctx context.Context, req *pulumirpc.RunRequest) (*pulumirpc.RunResponse, error) {
	nodeBin, err := exec.LookPath("node")
	if err != nil {
		return nil, fmt.Errorf("could not find node on the $PATH: %w", err)
	}
	info := req.GetInfo()
	dir := programDir(info, req.GetPwd())
	opts := parseOptions(info)

	runPath, err := locateRunScript(nodeBin, dir)
	if err != nil {
		return &pulumirpc.RunResponse{Error: err.Error()}, nil
	}

	host.mu.Lock()
	engineAddress := host.engineAddress
	host.mu.Unlock()

	args := append([]string{}, opts.nodeargs...)
	args = append(args, runPath)
	add := func(flag, value string) {
		if value != "" {
			args = append(args, "--"+flag, value)
		}
	}
	add("monitor", req.GetMonitorAddress())
	add("engine", engineAddress)
	add("organization", req.GetOrganization())
	add("project", req.GetProject())
	add("root-directory", rootDir(info, dir))
	add("stack", req.GetStack())
	add("pwd", dir)
	if req.GetDryRun() {
		args = append(args, "--dry-run")
	}
	if req.GetParallel() > 0 {
		add("parallel", strconv.Itoa(int(req.GetParallel())))
	}
	add("tracing", host.tracing)
	entry := "."
	if info != nil && info.GetEntryPoint() != "" {
		entry = info.GetEntryPoint()
	} else if info == nil && req.GetProgram() != "" {
		entry = req.GetProgram()
	}
	args = append(args, entry)
	args = append(args, req.GetArgs()...)

	configJSON, err := json.Marshal(nonNilMap(req.GetConfig()))
	if err != nil {
		return nil, fmt.Errorf("failed to serialize configuration: %w", err)
	}
	secretKeys := req.GetConfigSecretKeys()
	if secretKeys == nil {
		secretKeys = []string{}
	}
	secretKeysJSON, err := json.Marshal(secretKeys)
	if err != nil {
		return nil, fmt.Errorf("failed to serialize configuration secret keys: %w", err)
	}

	env := os.Environ()
	env = append(env,
		"PULUMI_CONFIG="+string(configJSON),
		"PULUMI_CONFIG_SECRET_KEYS="+string(secretKeysJSON),
		"PULUMI_NODEJS_TYPESCRIPT="+strconv.FormatBool(opts.typescript),
	)
	if opts.tsconfig != "" {
		env = append(env, "PULUMI_NODEJS_TSCONFIG_PATH="+opts.tsconfig)
	}

	cmd := exec.Command(nodeBin, args...)
	cmd.Dir = dir
	cmd.Env = env
	cmd.Stdout = os.Stdout
	cmd.Stderr = os.Stderr
	if err := cmd.Run(); err != nil {
		var exitErr *exec.ExitError
		if errors.As(err, &exitErr) {
			code := exitErr.ExitCode()
			if code == nodeJSProcessExitedAfterLoggingUserActionableMessage {
				return &pulumirpc.RunResponse{Bail: true}, nil
			}
			if code >= 0 {
				return &pulumirpc.RunResponse{
					Error: fmt.Sprintf("Program exited with non-zero exit code: %d", code),
				}, nil
			}
			return &pulumirpc.RunResponse{Error: "Program exited unexpectedly: " + exitErr.Error()}, nil
		}
		return &pulumirpc.RunResponse{
			Error: "Problem executing program (could not run language executor): " + err.Error(),
		}, nil
	}
	return &pulumirpc.RunResponse{}, nil
}

func nonNilMap(m map[string]string) map[string]string {
	if m == nil {
		return map[string]string{}
	}
	return m
}

// packageJSON is the part of a package.json this host reads.
type packageJSON struct {
	Name            string            `json:"name"`
	Version         string            `json:"version"`
	Dependencies    map[string]string `json:"dependencies"`
	DevDependencies map[string]string `json:"devDependencies"`
	Pulumi          struct {
		Resource bool   `json:"resource"`
		Name     string `json:"name"`
		Version  string `json:"version"`
		Server   string `json:"server"`
	} `json:"pulumi"`
}

func readPackageJSON(path string) (*packageJSON, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var p packageJSON
	if err := json.Unmarshal(b, &p); err != nil {
		return nil, fmt.Errorf("parsing %s: %w", path, err)
	}
	return &p, nil
}

// findNodeModules walks up from dir to the first node_modules directory.
func findNodeModules(dir string) string {
	for d := dir; ; {
		nm := filepath.Join(d, "node_modules")
		if st, err := os.Stat(nm); err == nil && st.IsDir() {
			return nm
		}
		parent := filepath.Dir(d)
		if parent == d {
			return ""
		}
		d = parent
	}
}

// requiredPackages lists the resource plugins that installed npm packages
// declare with `"pulumi": {"resource": true}` (top level and @scope/ level of
// node_modules, which is where npm puts direct dependencies).
func requiredPackages(dir string) ([]*pulumirpc.PackageDependency, error) {
	nm := findNodeModules(dir)
	if nm == "" {
		return nil, nil
	}
	var pkgDirs []string
	entries, err := os.ReadDir(nm)
	if err != nil {
		return nil, err
	}
	for _, e := range entries {
		name := e.Name()
		if strings.HasPrefix(name, ".") {
			continue
		}
		if strings.HasPrefix(name, "@") {
			scoped, err := os.ReadDir(filepath.Join(nm, name))
			if err != nil {
				continue
			}
			for _, s := range scoped {
				pkgDirs = append(pkgDirs, filepath.Join(nm, name, s.Name()))
			}
			continue
		}
		pkgDirs = append(pkgDirs, filepath.Join(nm, name))
	}
	sort.Strings(pkgDirs)

	var out []*pulumirpc.PackageDependency
	for _, pd := range pkgDirs {
		p, err := readPackageJSON(filepath.Join(pd, "package.json"))
		if err != nil || !p.Pulumi.Resource {
			continue
		}
		name := p.Pulumi.Name
		if name == "" {
			name = strings.TrimPrefix(strings.TrimPrefix(p.Name, "@pulumi/"), "@")
		}
		ver := p.Pulumi.Version
		if ver == "" {
			ver = p.Version
		}
		if ver != "" && !strings.HasPrefix(ver, "v") {
			ver = "v" + ver
		}
		out = append(out, &pulumirpc.PackageDependency{
			Name: name, Kind: "resource", Version: ver, Server: p.Pulumi.Server,
		})
	}
	return out, nil
}

func (host *nodeLanguageHost) GetRequiredPackages(
	ctx context.Context, req *pulumirpc.GetRequiredPackagesRequest,
) (*pulumirpc.GetRequiredPackagesResponse, error) {
	pkgs, err := requiredPackages(programDir(req.GetInfo(), ""))
	if err != nil {
		return nil, err
	}
	return &pulumirpc.GetRequiredPackagesResponse{Packages: pkgs}, nil
}

func (host *nodeLanguageHost) GetRequiredPlugins(
	ctx context.Context, req *pulumirpc.GetRequiredPluginsRequest,
) (*pulumirpc.GetRequiredPluginsResponse, error) {
	pkgs, err := requiredPackages(programDir(req.GetInfo(), req.GetPwd()))
	if err != nil {
		return nil, err
	}
	plugins := make([]*pulumirpc.PluginDependency, 0, len(pkgs))
	for _, p := range pkgs {
		plugins = append(plugins, &pulumirpc.PluginDependency{
			Name: p.Name, Kind: p.Kind, Version: p.Version, Server: p.Server,
		})
	}
	return &pulumirpc.GetRequiredPluginsResponse{Plugins: plugins}, nil
}

func (host *nodeLanguageHost) About(ctx context.Context, req *pulumirpc.AboutRequest) (*pulumirpc.AboutResponse, error) {
	nodeBin, err := exec.LookPath("node")
	if err != nil {
		return nil, fmt.Errorf("could not find node on the $PATH: %w", err)
	}
	out, err := exec.Command(nodeBin, "--version").Output()
	if err != nil {
		return nil, fmt.Errorf("failed to get node version: %w", err)
	}
	return &pulumirpc.AboutResponse{
		Executable: nodeBin,
		Version:    strings.TrimPrefix(strings.TrimSpace(string(out)), "v"),
	}, nil
}

func (host *nodeLanguageHost) GetProgramDependencies(
	ctx context.Context, req *pulumirpc.GetProgramDependenciesRequest,
) (*pulumirpc.GetProgramDependenciesResponse, error) {
	dir := programDir(req.GetInfo(), req.GetPwd())
	p, err := readPackageJSON(filepath.Join(dir, "package.json"))
	if err != nil {
		return nil, fmt.Errorf("reading package.json: %w", err)
	}
	nm := findNodeModules(dir)
	names := make([]string, 0, len(p.Dependencies))
	for name := range p.Dependencies {
		names = append(names, name)
	}
	sort.Strings(names)
	deps := make([]*pulumirpc.DependencyInfo, 0, len(names))
	for _, name := range names {
		ver := p.Dependencies[name]
		if nm != "" {
			if installed, err := readPackageJSON(filepath.Join(nm, name, "package.json")); err == nil {
				ver = installed.Version
			}
		}
		deps = append(deps, &pulumirpc.DependencyInfo{Name: name, Version: ver})
	}
	return &pulumirpc.GetProgramDependenciesResponse{Dependencies: deps}, nil
}

// streamWriter forwards npm's output to the engine (used by `pulumi install`).
type streamWriter struct {
	mu     *sync.Mutex
	server grpc.ServerStreamingServer[pulumirpc.InstallDependenciesResponse]
	stderr bool
}

func (w streamWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	data := append([]byte(nil), p...)
	resp := &pulumirpc.InstallDependenciesResponse{Stdout: data}
	if w.stderr {
		resp = &pulumirpc.InstallDependenciesResponse{Stderr: data}
	}
	if err := w.server.Send(resp); err != nil {
		return 0, err
	}
	return len(p), nil
}

func (host *nodeLanguageHost) InstallDependencies(
	req *pulumirpc.InstallDependenciesRequest,
	server grpc.ServerStreamingServer[pulumirpc.InstallDependenciesResponse],
) error {
	dir := req.GetDirectory()
	if req.GetInfo() != nil && req.GetInfo().GetProgramDirectory() != "" {
		dir = req.GetInfo().GetProgramDirectory()
	}
	pm := parseOptions(req.GetInfo()).packagemanager
	if pm == "" || pm == "auto" {
		pm = "npm"
		if _, err := os.Stat(filepath.Join(dir, "yarn.lock")); err == nil {
			pm = "yarn"
		} else if _, err := os.Stat(filepath.Join(dir, "pnpm-lock.yaml")); err == nil {
			pm = "pnpm"
		}
	}
	bin, err := exec.LookPath(pm)
	if err != nil {
		return fmt.Errorf("could not find %s on the $PATH: %w", pm, err)
	}
	var mu sync.Mutex
	stdout := streamWriter{mu: &mu, server: server}
	stderr := streamWriter{mu: &mu, server: server, stderr: true}
	fmt.Fprintf(stdout, "Installing dependencies with %s...\n", pm)
	cmd := exec.Command(bin, "install")
	cmd.Dir = dir
	cmd.Stdout = stdout
	cmd.Stderr = stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%s install failed: %w", pm, err)
	}
	fmt.Fprintln(stdout, "Finished installing dependencies")
	return nil
}

// Ensure the interface is satisfied at compile time.
var (
	_ pulumirpc.LanguageRuntimeServer = (*nodeLanguageHost)(nil)
	_ io.Writer                       = streamWriter{}
)
