package model

import (
	"github.com/gpec-project/gpec/internal/page"
	"github.com/gpec-project/gpec/internal/release"
)

// Connections of releases.
type (
	ReleaseConnection = page.Connection[*release.Release]
	ReleaseEdge       = page.Edge[*release.Release]
)
