"""Registered function, entity and event names: the one place where they are spelled.

The Python name of each function equals its registered name, so `context.call_activity(X)` with these
constants reaches the function the host registered (names are matched case-insensitively by the host).
"""

from typing import Final

# Orchestrators
ORDER_WORKFLOW: Final = "order_workflow"
APPROVAL_WORKFLOW: Final = "approval_workflow"
INGESTION_WORKFLOW: Final = "ingestion_workflow"
INGESTION_BATCH: Final = "ingestion_batch"
DEVICE_MONITOR: Final = "device_monitor"

WORKFLOWS: Final = (ORDER_WORKFLOW, APPROVAL_WORKFLOW, INGESTION_WORKFLOW, INGESTION_BATCH, DEVICE_MONITOR)

# Activities: orders
VALIDATE_ORDER: Final = "validate_order"
CHARGE_PAYMENT: Final = "charge_payment"
REFUND_PAYMENT: Final = "refund_payment"
CREATE_SHIPMENT: Final = "create_shipment"
CANCEL_SHIPMENT: Final = "cancel_shipment"
WRITE_RECEIPT: Final = "write_receipt"
# Activities: approvals
REQUEST_APPROVAL: Final = "request_approval"
SEND_APPROVAL_REMINDER: Final = "send_approval_reminder"
# Activities: ingestion
LIST_CSV_FILES: Final = "list_csv_files"
READ_MANIFEST_SLICE: Final = "read_manifest_slice"
PROCESS_CSV_FILE: Final = "process_csv_file"
WRITE_BATCH_RESULT: Final = "write_batch_result"
WRITE_INGESTION_SUMMARY: Final = "write_ingestion_summary"
# Activities: devices
READ_DEVICE_READING: Final = "read_device_reading"
RAISE_DEVICE_ALERT: Final = "raise_device_alert"

ACTIVITIES: Final = (
    VALIDATE_ORDER,
    CHARGE_PAYMENT,
    REFUND_PAYMENT,
    CREATE_SHIPMENT,
    CANCEL_SHIPMENT,
    WRITE_RECEIPT,
    REQUEST_APPROVAL,
    SEND_APPROVAL_REMINDER,
    LIST_CSV_FILES,
    READ_MANIFEST_SLICE,
    PROCESS_CSV_FILE,
    WRITE_BATCH_RESULT,
    WRITE_INGESTION_SUMMARY,
    READ_DEVICE_READING,
    RAISE_DEVICE_ALERT,
)

# Entities (entity names are lower-case in entity ids)
INVENTORY_ENTITY: Final = "inventory"

# Blob containers the app writes; the ingestion pipeline may read any other container, never these.
RECEIPTS_CONTAINER: Final = "receipts"
PAYMENTS_CONTAINER: Final = "payments"
SHIPMENTS_CONTAINER: Final = "shipments"
NOTIFICATIONS_CONTAINER: Final = "notifications"
TELEMETRY_CONTAINER: Final = "telemetry"
INGESTION_OUTPUT_CONTAINER: Final = "ingestion-output"
APP_CONTAINERS: Final = frozenset(
    {
        RECEIPTS_CONTAINER,
        PAYMENTS_CONTAINER,
        SHIPMENTS_CONTAINER,
        NOTIFICATIONS_CONTAINER,
        TELEMETRY_CONTAINER,
        INGESTION_OUTPUT_CONTAINER,
    }
)

# External events
APPROVAL_DECISION_EVENT: Final = "ApprovalDecision"
STOP_EVENT: Final = "Stop"
