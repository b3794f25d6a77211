"""IBN-SINA front-desk assistant: stem-cell therapy for spinal cord injury, English/Bangla."""
