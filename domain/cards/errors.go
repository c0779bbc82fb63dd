package cards

import "github.com/fiveapis/backend/domain/fault"

// The module's classified errors. The Code is what 002's clients see as
// error_code; transport/httpapi/cards maps each to its HTTP status.
var (
	// ErrCardNotFound: no such card, a code whose check part fails, a card of
	// a deleted batch. It never tells which of these it was.
	ErrCardNotFound = fault.New(fault.NotFound, "CARD_NOT_FOUND", "卡片不存在")
	// ErrCardExpired: the batch's expiry date has passed.
	ErrCardExpired = fault.New(fault.Invalid, "CARD_EXPIRED", "卡片已过期")
	// ErrCardAlreadyUsed carries details card_code, used_by, used_at.
	ErrCardAlreadyUsed = fault.New(fault.Conflict, "CARD_ALREADY_USED", "卡片已被使用")
	// ErrBatchFull: a batch's cards are all generated when it is created, so
	// it cannot take more cards (adding a card, growing total_quantity).
	ErrBatchFull = fault.New(fault.Invalid, "BATCH_FULL", "批次已满")
	// ErrBatchNotPublished: the card's batch is not published.
	ErrBatchNotPublished = fault.New(fault.Invalid, "BATCH_NOT_PUBLISHED", "卡片批次未发布")
	// ErrInsufficientPermission: the caller is not an admin.
	ErrInsufficientPermission = fault.New(fault.Forbidden, "INSUFFICIENT_PERMISSION", "权限不足")
	ErrTemplateNotFound       = fault.New(fault.NotFound, "TEMPLATE_NOT_FOUND", "卡片模板不存在")
	ErrBatchNotFound          = fault.New(fault.NotFound, "BATCH_NOT_FOUND", "卡片批次不存在")
)

// invalid reports invalid input in field, the INVALID_INPUT code.
func invalid(field, format string, args ...any) error {
	return fault.Invalidf(field, format, args...)
}

// ErrTemplateMissing answers a batch request naming a template that does not
// exist (or was deleted): an INVALID_INPUT of the field template.
func ErrTemplateMissing(id int64) error {
	return invalid("template", "模板 %d 不存在", id)
}
