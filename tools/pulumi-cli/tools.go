//go:build tools

// Package tools pins the Pulumi CLI that csp-seats builds from the Go module
// proxy. Nothing here is compiled into the project; scripts/setup-pulumi.sh
// runs `go build` on the imported main packages using this module's go.mod.
package tools

import (
	_ "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi"
)
