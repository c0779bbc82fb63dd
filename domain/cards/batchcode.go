package cards

import (
	"fmt"
	"strings"
	"time"

	"github.com/fiveapis/backend/domain/fault"
)

// MaxBatchCodeLength bounds batch codes.
const MaxBatchCodeLength = 64

// NormalizeBatchCode returns the canonical (upper-case, trimmed) form of a
// batch code. Batch codes are unique in this form.
func NormalizeBatchCode(s string) string { return strings.ToUpper(strings.TrimSpace(s)) }

// ValidateBatchCode checks a client-chosen batch code: letters, digits, and
// single '_' or '-' between them, at most 64 characters. It returns the
// normalised code.
func ValidateBatchCode(s string) (string, error) {
	code := NormalizeBatchCode(s)
	if code == "" {
		return "", invalid("batch_code", "不能为空")
	}
	if len(code) > MaxBatchCodeLength {
		return "", invalid("batch_code", "不能超过 %d 个字符", MaxBatchCodeLength)
	}
	prevSep := true // no separator at the start
	for _, r := range code {
		switch {
		case r >= 'A' && r <= 'Z', r >= '0' && r <= '9':
			prevSep = false
		case r == '_' || r == '-':
			if prevSep {
				return "", invalid("batch_code", "只能包含字母、数字以及字母数字之间的 _ 或 -")
			}
			prevSep = true
		default:
			return "", invalid("batch_code", "只能包含字母、数字以及字母数字之间的 _ 或 -")
		}
	}
	if prevSep {
		return "", invalid("batch_code", "不能以 _ 或 - 结尾")
	}
	return code, nil
}

// DefaultBatchCode is the generated code {CATEGORY}_{YYYYMMDD}_{NNN}: n is the
// day's counter of the category (at least three digits).
func DefaultBatchCode(c Category, day time.Time, n int64) string {
	return fmt.Sprintf("%s_%s_%03d", c.Upper(), day.UTC().Format("20060102"), n)
}

// BatchCodeCounter is the name of the sequence that numbers the default batch
// codes of a category on a day (UTC).
func BatchCodeCounter(c Category, day time.Time) string {
	return "cardbatchcode_" + string(c) + "_" + day.UTC().Format("20060102")
}

// ReserveBatchCode decides the claim of code for batch id. last is the code
// stream's last event (nil when the code is free).
func ReserveBatchCode(last *BatchCodeReserved, code string, batchID int64, now time.Time) (BatchCodeReserved, error) {
	if last != nil {
		if last.BatchID == batchID {
			return *last, nil
		}
		return BatchCodeReserved{}, ErrBatchCodeTaken
	}
	return BatchCodeReserved{BatchCode: NormalizeBatchCode(code), BatchID: batchID, ReservedAt: now.UTC()}, nil
}

// ErrBatchCodeTaken: another batch has the code. It is an INVALID_INPUT
// error of the field batch_code; IsBatchCodeTaken recognises it (errors.Is
// would match every INVALID_INPUT error).
var ErrBatchCodeTaken = fault.Invalidf("batch_code", "批次编码已存在")

// IsBatchCodeTaken reports whether err is ErrBatchCodeTaken.
func IsBatchCodeTaken(err error) bool {
	f, ok := fault.As(err)
	return ok && f == ErrBatchCodeTaken
}
