#!/usr/bin/env bash
# The README's walk-through as one script: a CSV batch with one bad row, the row fixed, the batch
# bought, and its first merged label file downloaded. Needs curl and jq, and a running service:
#   KEY=sk_test_… API=http://127.0.0.1:8787 bash examples/walkthrough.sh
set -euo pipefail
: "${KEY:?set KEY to an API key (npm run dev prints one)}"
API="${API:-http://127.0.0.1:8787}"
cd "$(dirname "$0")"
call() { curl -sS --fail-with-body -u "$KEY:" "$@"; }
wait_for() { # wait_for <jq condition> — polls the batch until the condition holds (60 s at most)
  for _ in $(seq 1 120); do
    if call "$API/v1/batches/$BATCH" | jq -e "$1" >/dev/null; then return 0; fi
    sleep 0.5
  done
  echo "batch $BATCH never got to: $1" >&2; exit 1
}

# 1. Create a batch from the CSV (one shipment a row). Answers 202 `validating`.
REF="walkthrough-$(date +%s)"
BATCH=$(call "$API/v1/batches" -F file=@shipments.csv -F reference="$REF" -F default_service=usps_ground_advantage | jq -r .id)
echo "created $BATCH ($REF)"

# 2. Validation finds order-1002's ZIP wrong; the other shipments are valid and rated.
wait_for '.status != "validating"'
BAD=$(call "$API/v1/batches/$REF?shipments_status=invalid" | jq -r '.shipments.data[0].id')
call "$API/v1/batches/$REF?shipments_status=invalid" | jq -c '.shipments.data[0] | {reference, errors}'

# 3. Fix it (a partial update; addresses merge field by field): the batch validates again, then is ready.
call -X PATCH "$API/v1/batches/$BATCH/shipments/$BAD" -H 'Content-Type: application/json' -d '{"to_address":{"zip":"22201"}}' >/dev/null
wait_for '.status == "ready"'
call "$API/v1/batches/$BATCH" | jq -c '{status, counts: .counts.valid, rate_summary}'

# 4. Buy every shipment (Idempotency-Key makes a retried request harmless). Answers 202 `purchasing`.
call "$API/v1/batches/$BATCH/purchase" -H 'Content-Type: application/json' -H "Idempotency-Key: $REF-buy" -d '{}' | jq -c '{status}'
wait_for '.status == "completed" and (.labels | length) > 0'
call "$API/v1/batches/$BATCH" | jq -c '{status, total_amount, tracking: [.shipments.data[].tracking_number]}'

# 5. Download the first merged label file through its signed link (no key needed) and check it is a PDF.
URL=$(call "$API/v1/batches/$BATCH" | jq -r '.labels[0].url')
curl -sS --fail-with-body -o labels-1.pdf "$URL"
head -c 5 labels-1.pdf | grep -q '%PDF-' || { echo "labels-1.pdf is not a PDF" >&2; exit 1; }
echo "downloaded examples/labels-1.pdf ($(wc -c < labels-1.pdf) bytes); balance now $(call "$API/v1/account" | jq -r .balance)"

# 6. Abroad: one shipment to Canada with its customs declaration (the batch's defaults fill the signer),
#    bought; its label carries the CN 22 block, and its CN 23 is in the batch's customs_forms.
INTL=$(call "$API/v1/batches" -H 'Content-Type: application/json' -d '{
  "reference": "'"$REF"'-abroad", "customs_defaults": { "signer": "Acme Shipping Desk", "contents_type": "merchandise" },
  "shipments": [{ "reference": "order-2001", "service": "usps_priority_international",
    "from_address": { "name": "Warehouse", "street1": "500 Dock Rd", "city": "Reno", "state": "NV", "zip": "89501" },
    "to_address": { "name": "Tom Thomson", "street1": "290 Bremner Blvd", "city": "Toronto", "state": "ON", "zip": "M5V 3L9", "country": "CA" },
    "parcel": { "weight_oz": 24, "length_in": 10, "width_in": 8, "height_in": 4 },
    "customs": { "items": [
      { "description": "Cotton T-shirt", "quantity": 2, "value": "30.00", "weight_oz": 12, "hs_tariff_number": "6109.10", "origin_country": "US" },
      { "description": "Ceramic mug", "quantity": 1, "value": "12.50", "weight_oz": 10, "hs_tariff_number": "6912.00", "origin_country": "PT" } ] } }] }' | jq -r .id)
BATCH=$INTL
wait_for '.status == "ready"'
call "$API/v1/batches/$INTL/purchase" -H 'Content-Type: application/json' -d '{}' >/dev/null
wait_for '.status == "completed" and (.customs_forms | length) > 0'
call "$API/v1/batches/$INTL" | jq -c '{status, tracking: .shipments.data[0].tracking_number, customs: .shipments.data[0].customs | {eel_pfc, incoterm, signer}, customs_forms: [.customs_forms[] | {count, first_position, last_position}]}'
curl -sS --fail-with-body -o customs-1.pdf "$(call "$API/v1/batches/$INTL" | jq -r '.customs_forms[0].url')"
head -c 5 customs-1.pdf | grep -q '%PDF-' || { echo "customs-1.pdf is not a PDF" >&2; exit 1; }
echo "downloaded examples/customs-1.pdf ($(wc -c < customs-1.pdf) bytes)"
