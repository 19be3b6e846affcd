package dev.hybridvit.models;

import java.util.ArrayList;
import java.util.List;

/**
 * The released weights the registered models load, with the input each was evaluated with.
 *
 * <p>Next-ViT: timm's {@code default_cfgs} in {@code timm/models/nextvit.py} (the ByteDance
 * weights, tag prefix {@code bd_}, on the Hugging Face Hub as {@code model.safetensors}, evaluated
 * at crop 0.95, at 384 px with crop 1.0), and the official repository's checkpoints
 * (bytedance/Next-ViT README, Google Drive links), which {@code classification/datasets.py}
 * evaluates with {@code Resize(int(256/224·S))}, i.e. crop 0.875. CMT: the checkpoints the
 * official README (huawei-noah/Efficient-AI-Backbones, {@code cmt_pytorch}) links on
 * ggjy/CMT.pytorch's releases, each at its training resolution with crop 0.875. Top-1 is the
 * ImageNet-1k accuracy those READMEs report. No publisher gives a SHA-256, so none is recorded.
 */
final class Pretrained {
    private Pretrained() {}

    private static final String[] NEXTVIT = {"small", "base", "large"};
    /** Google Drive file ids of the official checkpoints: in1k 224, in1k 384, SSLD 6M 224, SSLD 6M 384. */
    private static final String[][] NEXTVIT_DRIVE = {
        {
            "1yoJFpMdnwVseEEnSJxF8CIZ_txn1o_aS",
            "1lBBqXFFjWdaPq-zqKyW0uTsToQh43mP_",
            "1b7ChnlT3uG3pTaZjtwYtnAaxAESF0MqK",
            "104jeld9rJq8vwJ-i-RqlzF3mJzXCcQp9"
        },
        {
            "1zaYLlDKMI0OUcYBPoGPXR8lKdrsBq3qp",
            "1D1oZUBHEpWb8uzoRuLs-aFcyjX74zzb3",
            "1qYtex2EZ23TzVqaFlGh14hAxVjfuILWv",
            "17bCu4EbxOUmhgPCP5wlDH_p8m35oTT38"
        },
        {
            "15hiQhAu_YNXboVPsbXpuaflfYkodkYZk",
            "1MMGeXeIqrL8UXYuHEFdMArPDd-8L51Ag",
            "1F5iLING3RzNbuZb4RwL7NLZZmJulKW3N",
            "1ZuLswj2xbUdg_t8TugjSJwDsHuIuMSIC"
        }
    };
    /** Paper top-1, in the same order. */
    private static final double[][] NEXTVIT_TOP1 = {
        {82.5, 83.6, 84.8, 85.8}, {83.2, 84.3, 85.1, 86.1}, {83.6, 84.7, 85.4, 86.4}
    };

    private static final String[][] CMT = { // registered model, released file, training size, top-1
        {"cmt_ti", "cmt_tiny.pth", "160", "79.0"},
        {"cmt_xs", "cmt_xs.pth", "192", "81.8"},
        {"cmt_s", "cmt_small.pth", "224", "83.5"},
        {"cmt_b", "cmt_base.pth", "256", "84.5"}
    };

    static List<PretrainedTag> all() {
        List<PretrainedTag> out = new ArrayList<>();
        for (int v = 0; v < NEXTVIT.length; v++) {
            String model = "nextvit_" + NEXTVIT[v];
            for (int k = 0; k < 4; k++) {
                boolean at384 = k % 2 == 1, ssld = k >= 2;
                String suffix = (ssld ? "ssld_6m_in1k" : "in1k") + (at384 ? "_384" : "");
                String registered = at384 ? model + "_384" : model;
                int size = at384 ? 384 : 224;
                double top1 = NEXTVIT_TOP1[v][k];
                out.add(new PretrainedTag(
                        model + ".bd_" + suffix,
                        registered,
                        DataConfig.imagenet(size, at384 ? 1.0 : 0.95),
                        1000,
                        "model.safetensors",
                        "https://huggingface.co/timm/" + model + ".bd_" + suffix,
                        "",
                        top1,
                        "timm (Hugging Face Hub)"));
                out.add(new PretrainedTag(
                        model + ".official_" + suffix,
                        registered,
                        DataConfig.imagenet(size, 224.0 / 256),
                        1000,
                        ssld ? "" : model + "_in1k_" + size + ".pth",
                        "https://drive.google.com/file/d/" + NEXTVIT_DRIVE[v][k] + "/view",
                        "",
                        top1,
                        "bytedance/Next-ViT"));
            }
        }
        for (String[] c : CMT) {
            out.add(new PretrainedTag(
                    c[0] + ".official_in1k",
                    c[0],
                    DataConfig.imagenet(Integer.parseInt(c[2]), 224.0 / 256),
                    1000,
                    c[1],
                    "https://github.com/ggjy/CMT.pytorch/releases/download/release-v1/" + c[1],
                    "",
                    Double.parseDouble(c[3]),
                    "huawei-noah/Efficient-AI-Backbones (cmt_pytorch)"));
        }
        return out;
    }
}
