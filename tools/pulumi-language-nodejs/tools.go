//go:build tools

// Package tools pins the upstream Pulumi Node.js language host. Its own module
// (github.com/pulumi/pulumi/sdk/nodejs/cmd/pulumi-language-nodejs/v3) is not served
// by the module proxy this project can reach, so the host is built from the last
// sdk/v3 release that still shipped it inside the sdk module: v3.68.0.
// See docs/pulumi-cli.md.
package tools

import _ "github.com/pulumi/pulumi/sdk/v3/nodejs/cmd/pulumi-language-nodejs"
