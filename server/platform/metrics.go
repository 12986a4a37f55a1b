package platform

import (
	"time"

	"github.com/google/uuid"
)

// ProcessMetrics is one sample of a process type's resource use, across
// its running dynos.
type ProcessMetrics struct {
	App   uuid.UUID
	Type  string
	At    time.Time
	Dynos int
	// CPUPercent is the mean per dyno, 100 being one core; nil until the
	// dynos have been read twice (CPU use is a rate).
	CPUPercent *float64
	// MemoryMB is the mean per dyno, MemoryMaxMB the largest dyno's.
	MemoryMB, MemoryMaxMB float64
	// MemoryQuotaMB is a dyno's memory limit.
	MemoryQuotaMB int
}
