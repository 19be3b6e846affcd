package dev.hybridvit.models;

/**
 * One multi-scale feature a backbone offers to a dense-prediction neck, as timm's
 * {@code feature_info}: its channels, its reduction (input side / feature side) and the state-dict
 * name of the module whose output it is.
 */
public record FeatureInfo(int channels, int reduction, String module) {}
